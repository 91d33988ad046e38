import Glibc

/// A decoded `waitpid` status (the `WIFEXITED`/`WEXITSTATUS` macros are not imported into Swift).
public enum WaitStatus: CustomStringConvertible, Equatable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32)

    public init(_ raw: Int32) {
        let signal = raw & 0x7F
        self = signal == 0 ? .exited(code: (raw >> 8) & 0xFF) : .signaled(signal: signal)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "signal \(signal) (\(SignalName.of(signal)))"
        }
    }

    /// Anything but a clean `exit(0)`: what the master counts as a crash.
    public var isFailure: Bool {
        if case .exited(0) = self { return false }
        return true
    }
}

/// Signal names as the master's log lines write them.
public enum SignalName {
    public static func of(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "TERM"
        case SIGINT: "INT"
        case SIGQUIT: "QUIT"
        case SIGHUP: "HUP"
        case SIGKILL: "KILL"
        case SIGCHLD: "CHLD"
        case SIGTTIN: "TTIN"
        case SIGTTOU: "TTOU"
        case SIGSEGV: "SEGV"
        case SIGABRT: "ABRT"
        case SIGILL: "ILL"
        case SIGTRAP: "TRAP"
        case SIGBUS: "BUS"
        default: "SIG\(signal)"
        }
    }
}
