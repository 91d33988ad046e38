import Glibc

/// The signals the master handles synchronously.
///
/// The master blocks them and collects them with `sigtimedwait`, so it never runs code in
/// an asynchronous signal handler. Workers inherit the blocked mask and must restore it.
enum SignalSet {
    static let handled: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU]

    /// Blocks the handled signals in the calling process; returns the set for `wait`.
    static func block() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        sigprocmask(SIG_BLOCK, &set, nil)
        return set
    }

    /// Unblocks everything (in a freshly forked worker).
    static func unblockAll() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }

    /// Waits up to `seconds` for one of the signals in `set`; `nil` on timeout.
    static func wait(_ set: inout sigset_t, seconds: Double) -> Int32? {
        var timeout = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        let signal = sigtimedwait(&set, nil, &timeout)
        return signal > 0 ? signal : nil
    }
}
