import Glibc

/// TERM/INT (graceful) and QUIT (immediate): the end of the master.
///
/// Graceful: TERM to every worker (idle ones leave at once, busy ones after their
/// response), up to the graceful timeout, then KILL the rest. Immediate: QUIT, up to 2 s,
/// then KILL. A QUIT during a graceful stop turns it immediate. While stopping nothing is
/// forked, HUP/TTIN/TTOU are ignored, and the listening socket stays open until the last
/// worker is gone.
extension PoolStateMachine {
    /// Seconds an immediate stop (QUIT) waits for the workers before KILL.
    static var immediateStopSeconds: Double { 2 }

    mutating func stopRequested(graceful: Bool, signal: String, now: Double) -> [Action] {
        if var current = stop {
            guard !graceful, !current.escalated else { return [] }
            current.deadline = min(current.deadline, now + Self.immediateStopSeconds)
            current.escalated = true
            stop = current
            return [.log(.info, "QUIT during a graceful stop: stopping at once", [:])]
                + workers.keys.sorted().map { .signal(pid: $0, signal: SIGQUIT) }
        }
        let request: Action = graceful
            ? .log(.info, "graceful stop requested", ["signal": "\(signal)", "graceful_timeout_s": "\(settings.gracefulTimeout)"])
            : .log(.info, "immediate stop requested", ["signal": "\(signal)"])
        return [request] + beginStop(graceful: graceful, exitCode: 0, now: now)
    }

    /// Workers keep failing to start: stop at once and exit 70 rather than fork in a loop.
    mutating func giveUp(now: Double) -> [Action] {
        [
            .log(.critical, "workers keep failing to start; giving up instead of fork-looping", [
                "consecutive_failures": "\(startFailures)", "last_status": "\(lastStartFailure)",
                "hint": "see the worker's error lines above (configuration, database, permissions)",
            ]),
            .printError("catalog serve: \(startFailures) workers in a row failed to start (last: \(lastStartFailure)); giving up"),
            .notify(.givingUp),
        ] + beginStop(graceful: false, exitCode: 70, now: now)
    }

    mutating func beginStop(graceful: Bool, exitCode: Int32, now: Double) -> [Action] {
        stop = Stop(deadline: now + (graceful ? settings.gracefulTimeout : Self.immediateStopSeconds), escalated: !graceful, exitCode: exitCode)
        return [.notify(.stopping)] + workers.keys.sorted().map { .signal(pid: $0, signal: graceful ? SIGTERM : SIGQUIT) }
    }

    /// At the end of each turn while stopping: exit once the last worker is reaped, or
    /// KILL the rest at the deadline.
    mutating func finishStopIfDone(now: Double) -> [Action] {
        guard let stop else { return [] }
        if workers.isEmpty { return [.exit(code: stop.exitCode)] }
        guard now >= stop.deadline else { return [] }
        let pids = workers.keys.sorted()
        workers.removeAll()
        return [
            .log(.warning, "workers did not stop in time; killing them", [
                "count": "\(pids.count)", "pids": "\(pids.map(String.init).joined(separator: ","))",
            ]),
            .killAndReap(pids: pids),
            .exit(code: stop.exitCode),
        ]
    }
}
