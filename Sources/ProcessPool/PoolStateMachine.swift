/// The master's decisions as a value: events in, actions out.
///
/// The `Arbiter` in FCGIApp gathers events (signals, `waitpid`, the scoreboard, the
/// clock) and executes the actions this type returns (fork, kill, log, notify systemd,
/// count, exit); everything it decides — when to fork, whom to retire, recycle or kill,
/// when a reload moves on or is abandoned, how long to back off after start failures,
/// when a stop escalates — is decided here, without system calls, clock reads or
/// globals, so every decision is unit-tested without processes
/// (`Tests/PoolStateMachineTests`), the way postgres-nio's `PoolStateMachine` and
/// gunicorn's arbiter tests separate them. The master runs one pool (one per listening
/// socket), so one machine.
///
/// `Configuration` is what a generation of workers runs with beyond `PoolSettings`
/// (the service's configuration); the machine keeps it with its generation so that an
/// aborted reload brings the previous one back. `Random` draws the max-requests jitter:
/// the system's generator in the master, a seeded one in the tests.
///
/// The type is split by concern: `+Event` and `+Action` are its vocabulary, `+Pool`
/// forks, retires and judges exits, `+Supervision` reads the slots, `+Reload` runs HUP,
/// `+Stop` the end.
public struct PoolStateMachine<Configuration, Random: RandomNumberGenerator> {
    /// Why the master killed a worker (decides how its exit is judged).
    public enum KillReason: Equatable, Sendable { case timeout, notReady, heartbeat, graceExpired }

    /// One worker as the master knows it.
    public struct Worker: Equatable, Sendable {
        public let pid: Int32
        public let slot: Int
        public let generation: UInt32
        public let startedAt: Double
        public let maxRequests: Int
        public internal(set) var ready = false
        public internal(set) var retiring = false
        public internal(set) var retireDeadline: Double?
        public internal(set) var killed: KillReason?
    }

    /// A reload in progress: the previous generation keeps serving until the new one is ready.
    struct Reload {
        let previousGeneration: UInt32
        let previousSettings: PoolSettings
        let previousConfiguration: Configuration
        let deadline: Double
        var draining = false
    }

    /// A stop in progress.
    struct Stop {
        var deadline: Double
        /// QUIT was sent (at once, or after TERM): supervision no longer kills anyone.
        var escalated: Bool
        let exitCode: Int32
    }

    public internal(set) var settings: PoolSettings
    public internal(set) var configuration: Configuration
    /// A new worker must mark itself ready in its slot within this many seconds.
    public let readyTimeout: Double
    /// The scoreboard's worker slots.
    public let slotCount: Int
    public internal(set) var workers: [Int32: Worker] = [:]
    var freeSlots: [Int]
    public internal(set) var generation: UInt32 = 1
    var nextGeneration: UInt32 = 2
    var reload: Reload?
    var reloadPending = false
    var stop: Stop?
    /// Consecutive workers that died before becoming ready.
    public internal(set) var startFailures = 0
    var lastStartFailure = ""
    public internal(set) var nextSpawnAt = 0.0
    public internal(set) var announcedReady = false
    var random: Random

    /// `slotCount`: the scoreboard's worker slots.
    public init(settings: PoolSettings, configuration: Configuration, slotCount: Int, readyTimeout: Double, random: Random) {
        self.settings = settings
        self.configuration = configuration
        self.readyTimeout = readyTimeout
        self.slotCount = slotCount
        self.freeSlots = Array((0..<slotCount).reversed())
        self.random = random
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .maintainPool(let now): maintainPool(now: now)
        case .spawned(let spawn, let pid, let now): spawned(spawn, pid: pid, now: now)
        case .spawnFailed(let spawn, let error, let now): spawnFailed(spawn, error: error, now: now)
        case .workerExited(let pid, let status, let last, let released, let now):
            workerExited(pid: pid, status: status, last: last, passwordSlotsReleased: released, now: now)
        case .tick(let slots, let now, let nowMilliseconds): tick(slots: slots, now: now, nowMilliseconds: nowMilliseconds)
        case .stopRequested(let graceful, let signal, let now): stopRequested(graceful: graceful, signal: signal, now: now)
        case .reloadRequested: reloadRequested()
        case .configurationLoaded(let settings, let configuration, let now): beginReload(settings: settings, configuration: configuration, now: now)
        case .configurationInvalid(let problems): reloadRefused(problems: problems)
        case .growRequested: grow()
        case .shrinkRequested(let slots, let now): shrink(slots: slots, now: now)
        }
    }

    /// Workers of the current generation that are not leaving: what counts toward the pool's size.
    public var currentWorkers: [Worker] {
        workers.values.filter { $0.generation == generation && !$0.retiring }
    }

    public var isStopping: Bool { stop != nil }

    /// The pool's state in the status file.
    public var stateName: String {
        stop != nil ? "stopping" : reload != nil ? "reloading" : announcedReady ? "running" : "starting"
    }

    /// Seconds to wait for a signal before the next turn: short while something is
    /// changing, else half a second; while stopping, short and never past the deadline.
    public func waitInterval(now: Double) -> Double {
        if let stop { return min(0.05, max(0.001, stop.deadline - now)) }
        let busy = reload != nil || !announcedReady || workers.values.contains { !$0.ready || $0.retiring }
        var interval = busy ? 0.05 : 0.5
        if currentWorkers.count < settings.workers, nextSpawnAt > now { interval = min(interval, max(0.01, nextSpawnAt - now)) }
        return interval
    }

    /// The end of a turn.
    mutating func tick(slots: [Int32: SlotObservation], now: Double, nowMilliseconds: Int64) -> [Action] {
        if let stop {
            var actions = stop.escalated ? [] : supervise(slots: slots, now: now, nowMilliseconds: nowMilliseconds)
            actions += finishStopIfDone(now: now)
            return actions
        }
        var actions = supervise(slots: slots, now: now, nowMilliseconds: nowMilliseconds)
        actions += advanceReload(now: now)
        if startFailures >= settings.maxStartFailures {
            if reload != nil {
                actions += abortReload("\(startFailures) new workers in a row failed to start (last: \(lastStartFailure))", now: now)
            } else {
                actions += giveUp(now: now)
                return actions
            }
        }
        actions += announceReadiness()
        return actions
    }

    mutating func announceReadiness() -> [Action] {
        guard !announcedReady, reload == nil else { return [] }
        let current = currentWorkers
        guard current.count >= settings.workers, current.allSatisfy(\.ready) else { return [] }
        announcedReady = true
        return [
            .log(.info, "pool ready", ["workers": "\(current.count)", "generation": "\(generation)"]),
            .notify(.ready(status: "serving with \(settings.workers) workers, generation \(generation)")),
        ]
    }
}
