/// A decoded `waitpid` status (the `WIFEXITED`/`WEXITSTATUS` macros are not imported into Swift).
enum WaitStatus: CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)

    init(_ raw: Int32) {
        let signal = raw & 0x7F
        self = signal == 0 ? .exited(code: (raw >> 8) & 0xFF) : .signaled(signal: signal)
    }

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "signal \(signal) (\(SignalSet.name(signal)))"
        }
    }
}

extension WaitStatus {
    /// Anything but a clean `exit(0)`: what the master counts as a crash.
    var isFailure: Bool {
        if case .exited(0) = self { return false }
        return true
    }
}
