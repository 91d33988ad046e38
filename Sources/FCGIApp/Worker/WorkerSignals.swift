import Glibc

/// The worker's signal state.
///
/// TERM/INT are kept *blocked* except while the worker waits in `accept` (or, holding a
/// kept-alive connection, in `pselect`). So a stop request can only interrupt the wait,
/// never a request: a worker that is idle leaves at once, a busy one finishes and writes
/// its response first, and a connection it has just accepted is always served (an
/// `_exit` in a handler racing `accept` would drop it, and nginx would answer 502). The
/// handler only sets a flag. QUIT stays unblocked and exits at once.
enum WorkerSignals {
    /// 1 once TERM/INT arrived: leave the loop before waiting again.
    nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0
    /// The mask while waiting for a connection (TERM/INT unblocked).
    nonisolated(unsafe) static var waitMask = sigset_t()
    /// The mask everywhere else (TERM/INT blocked).
    nonisolated(unsafe) static var workMask = sigset_t()

    /// Whether TERM/INT is pending (blocked, not yet delivered).
    static func stopPending() -> Bool {
        var pending = sigset_t()
        sigemptyset(&pending)
        guard sigpending(&pending) == 0 else { return false }
        return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1
    }

    static func install() {
        stopRequested = 0
        var graceful = sigaction()
        graceful.__sigaction_handler.sa_handler = { _ in WorkerSignals.stopRequested = 1 }
        sigemptyset(&graceful.sa_mask)
        graceful.sa_flags = 0
        sigaction(SIGTERM, &graceful, nil)
        sigaction(SIGINT, &graceful, nil)

        var immediate = sigaction()
        immediate.__sigaction_handler.sa_handler = { _ in _exit(0) }
        sigemptyset(&immediate.sa_mask)
        sigaction(SIGQUIT, &immediate, nil)

        // The master's pool-control signals mean nothing to a worker.
        signal(SIGHUP, SIG_IGN)
        signal(SIGTTIN, SIG_IGN)
        signal(SIGTTOU, SIG_IGN)
        signal(SIGCHLD, SIG_DFL)
        // A client that disconnects must not kill the worker mid-write.
        signal(SIGPIPE, SIG_IGN)

        // Block TERM/INT everywhere but in the wait; everything else unblocked.
        sigemptyset(&workMask)
        sigaddset(&workMask, SIGTERM)
        sigaddset(&workMask, SIGINT)
        sigprocmask(SIG_SETMASK, &workMask, nil)
        sigemptyset(&waitMask)
    }
}
