import Glibc

/// The sd_notify protocol, spoken directly: one datagram per message to the unix socket
/// named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). Without
/// `NOTIFY_SOCKET` (not started by systemd with `Type=notify`) every call does nothing.
struct SystemdNotifier {
    let socketPath: String?
    /// Ping interval when the unit sets `WatchdogSec=` (half the watchdog period).
    let watchdogInterval: Double?

    /// Reads `NOTIFY_SOCKET`/`WATCHDOG_USEC`/`WATCHDOG_PID`, then removes them from the
    /// environment so workers (and anything they run) do not inherit them.
    static func fromEnvironment() -> SystemdNotifier {
        let path = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        var interval: Double?
        if let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let micros = Double(text), micros > 0 {
            let pid = getenv("WATCHDOG_PID").map { String(cString: $0) }
            if pid == nil || pid == String(getpid()) { interval = micros / 1e6 / 2 }
        }
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(name) }
        return SystemdNotifier(socketPath: path.flatMap { $0.isEmpty ? nil : $0 }, watchdogInterval: interval)
    }

    var isActive: Bool { socketPath != nil }

    @discardableResult
    func notify(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length) }
            }
        }
        return sent == bytes.count
    }

    /// `MONOTONIC_USEC=` for `RELOADING=1` (required by `Type=notify-reload`, harmless otherwise).
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}

/// Socket activation (`sd_listen_fds`): systemd passes listening sockets from fd 3 on,
/// with `LISTEN_PID` (must be us) and `LISTEN_FDS` (how many).
enum SocketActivation {
    static let firstDescriptor: Int32 = 3

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The inherited listening socket, if systemd passed one; the variables are removed
    /// from the environment either way so they do not leak into workers.
    static func inheritedSocket() throws(Failure) -> Int32? {
        defer { for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) } }
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }), pid_t(pidText) == getpid(),
              let countText = getenv("LISTEN_FDS").map({ String(cString: $0) }), let count = Int(countText), count > 0
        else { return nil }
        guard count == 1 else {
            throw Failure(description: "systemd passed \(count) sockets (LISTEN_FDS); catalog serve takes exactly one (one ListenStream= in catalog.socket)")
        }
        let fd = firstDescriptor
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting == 1 else {
            throw Failure(description: "fd \(fd) from systemd is not a listening socket (check ListenStream= in catalog.socket)")
        }
        var type: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_STREAM.rawValue) else {
            throw Failure(description: "fd \(fd) from systemd is not a stream socket (use ListenStream=, not ListenDatagram=)")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }
}
