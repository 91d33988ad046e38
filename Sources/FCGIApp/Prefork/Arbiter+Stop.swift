import Foundation

/// TERM/INT (graceful) and QUIT (immediate): the end of the master.
extension Arbiter {
    /// Stops the pool. Graceful: TERM (idle workers leave at once, busy ones after their
    /// response), wait up to the grace period, then KILL the rest. Immediate: QUIT.
    /// The listening socket stays open until the last worker is gone.
    func stop(graceful: Bool) -> Int32 {
        stopping = true
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        for pid in records.keys { kill(pid, graceful ? SIGTERM : SIGQUIT) }
        var deadline = Self.now() + (graceful ? settings.gracefulTimeout : 2)
        var escalated = !graceful
        while !records.isEmpty, Self.now() < deadline {
            if let signal = SignalSet.wait(&signals, seconds: min(0.05, max(0.001, deadline - Self.now()))) {
                if signal == SIGQUIT, !escalated {
                    logger.info("QUIT during a graceful stop: stopping at once")
                    for pid in records.keys { kill(pid, SIGQUIT) }
                    deadline = min(deadline, Self.now() + 2)
                    escalated = true
                }
            }
            reap()
            if !escalated { superviseSlots() }
            writeStatusIfDue()
        }
        reap()
        if !records.isEmpty {
            logger.warning("workers did not stop in time; killing them", metadata: [
                "count": "\(records.count)", "pids": "\(records.keys.sorted().map(String.init).joined(separator: ","))",
            ])
            for pid in records.keys { kill(pid, SIGKILL) }
            for pid in records.keys { var status: Int32 = 0; waitpid(pid, &status, 0) }
            records.removeAll()
        }
        socket.close()
        if let pidFile = options.pidFile { unlink(pidFile) }
        if let statusFile = options.statusFile { unlink(statusFile) }
        logger.info("master stopped")
        return 0
    }
}
