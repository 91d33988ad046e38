import Glibc

/// The worker's signal state, shared between the request loop and its signal handlers.
///
/// The handlers do only async-signal-safe things: read and write these flags and `_exit`.
enum WorkerSignals {
    /// 1 while a request is being read, handled or written.
    nonisolated(unsafe) static var busy: sig_atomic_t = 0
    /// 1 once TERM/INT arrived during a request: exit after writing its response.
    nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0

    /// TERM/INT: exit at once when idle (blocked in accept), else finish the request first.
    /// QUIT: exit at once.
    static func install() {
        busy = 0
        stopRequested = 0
        var graceful = sigaction()
        graceful.__sigaction_handler.sa_handler = { _ in
            if WorkerSignals.busy == 0 { _exit(0) }
            WorkerSignals.stopRequested = 1
        }
        sigemptyset(&graceful.sa_mask)
        graceful.sa_flags = SA_RESTART
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
        // A client that disconnects must not kill the worker mid-write.
        signal(SIGPIPE, SIG_IGN)
    }
}
