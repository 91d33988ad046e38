import Logging

extension PoolStateMachine {
    /// A worker to fork: its scoreboard slot, generation and request limit (0 = none).
    public struct Spawn: Equatable, Sendable {
        public let slot: Int
        public let generation: UInt32
        public let maxRequests: Int

        public init(slot: Int, generation: UInt32, maxRequests: Int) {
            self.slot = slot
            self.generation = generation
            self.maxRequests = maxRequests
        }
    }

    /// The scoreboard's pool-wide counters the machine adds to.
    public enum Counter: Equatable, Sendable {
        case workersStarted, workersCrashed, workersTimedOut, workersRecycled, workersRetired, startFailures
        case reloads, reloadsFailed
    }

    /// What the master tells systemd (`sd_notify`).
    public enum Notification: Equatable, Sendable {
        /// `RELOADING=1` with the monotonic time systemd asks for.
        case reloading
        /// `READY=1` with a status line.
        case ready(status: String)
        case stopping
        /// The master gives up because workers keep failing to start (`ERRNO=70`).
        case givingUp
    }

    /// What the master does, in order. Executing one may feed an event back
    /// (`.spawn` → `.spawned`/`.spawnFailed`, `.loadConfiguration` →
    /// `.configurationLoaded`/`.configurationInvalid`).
    public enum Action {
        /// Prepare the slot, fork, run a worker in the child.
        case spawn(Spawn)
        /// `kill(pid, signal)`.
        case signal(pid: Int32, signal: Int32)
        case log(Logger.Level, String, Logger.Metadata)
        case count(Counter)
        /// Write the settings-derived gauges (workers, generation, timeout) to the scoreboard.
        case publishGauges
        /// The pool changed: write the status file at the next chance rather than within a second.
        case refreshStatus
        case notify(Notification)
        /// Re-read the configuration (HUP) and answer with an event.
        case loadConfiguration
        /// A reload starts with this configuration: apply its logging settings and
        /// re-make the master's logger.
        case adoptConfiguration(Configuration)
        /// A reload was aborted: apply the previous configuration's logging settings.
        case restoreConfiguration(Configuration)
        /// One line on stderr, outside the log (the reason `catalog serve` exits).
        case printError(String)
        /// The stop's grace is over: KILL these workers and wait for each.
        case killAndReap(pids: [Int32])
        /// The last worker is gone: close the socket, remove the pid and status files, exit.
        case exit(code: Int32)
    }
}

/// Actions compare equal when they do the same (the unit tests compare them).
extension PoolStateMachine.Action: Equatable where Configuration: Equatable {}
