extension PoolStateMachine {
    /// What happened, as the master saw it. Every event that depends on time carries the
    /// time (`now`: monotonic seconds; `nowMilliseconds`: the scoreboard's monotonic
    /// milliseconds), so the machine never reads a clock.
    public enum Event {
        /// The top of a turn of the master's loop: start what the pool lacks (one
        /// `.spawn` at a time; the answer to each is `.spawned` or `.spawnFailed`).
        case maintainPool(now: Double)
        /// The fork of a `.spawn` succeeded.
        case spawned(Spawn, pid: Int32, now: Double)
        /// The fork of a `.spawn` failed (`error`: strerror).
        case spawnFailed(Spawn, error: String, now: Double)
        /// A worker was reaped. `last` is its slot as it left it (read before the slot
        /// was released); `passwordSlotsReleased` the password slots it died holding.
        case workerExited(pid: Int32, status: WaitStatus, last: SlotObservation?, passwordSlotsReleased: Int, now: Double)
        /// The end of a turn: every worker's slot (by pid; a slot that could not be read
        /// is absent). Supervision, the reload's progress, the start-failure limit,
        /// readiness, and while stopping, the end of the stop.
        case tick(slots: [Int32: SlotObservation], now: Double, nowMilliseconds: Int64)
        /// TERM/INT (`graceful`) or QUIT; `signal` names it for the log.
        case stopRequested(graceful: Bool, signal: String, now: Double)
        /// HUP.
        case reloadRequested(now: Double)
        /// The answer to `.loadConfiguration`: the re-read configuration.
        case configurationLoaded(settings: PoolSettings, configuration: Configuration, now: Double)
        /// The answer to `.loadConfiguration`: what is wrong with it, one line each.
        case configurationInvalid(problems: [String])
        /// TTIN.
        case growRequested
        /// TTOU, with every worker's slot (idle workers are retired first).
        case shrinkRequested(slots: [Int32: SlotObservation], now: Double)
    }
}
