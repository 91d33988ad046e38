import Foundation

/// The listening socket the master opens once and every worker accepts on.
///
/// The master creates it with plain POSIX calls (rather than `FCGX_OpenSocket`, which
/// exits the process on failure) so errors are reported clearly, and it keeps the socket
/// open for its whole life: connections waiting in the backlog survive a worker's death.
///
/// Workers wait on it in epoll (with the connections they hold) and accept themselves;
/// it is non-blocking, so a worker that loses the race for a connection gets EAGAIN
/// instead of blocking (see `ConnectionSet`).
final class ListeningSocket {
    let descriptor: Int32
    let address: BindAddress
    /// Passed by systemd (socket activation): systemd owns it, so the master never
    /// removes its file.
    let inherited: Bool
    /// The connections accepted from it pass between workers through this (a leaving
    /// worker hands over the ones nginx keeps alive); made with the socket, for the same life.
    let handoff: ConnectionHandoff

    struct OpenError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    init(address: BindAddress, backlog: Int32, mode: mode_t) throws(OpenError) {
        self.address = address
        inherited = false
        switch address {
        case .unix(let path):
            descriptor = try Self.openUnix(path: path, backlog: backlog, mode: mode)
        case .tcp(let host, let port):
            descriptor = try Self.openTCP(host: host, port: port, backlog: backlog)
        }
        Self.setNonBlocking(descriptor)
        handoff = try Self.openHandoff()
    }

    /// A listening socket inherited from systemd (fd 3); its address is read back.
    init(inheritedDescriptor fd: Int32) {
        descriptor = fd
        inherited = true
        address = Self.boundAddress(fd) ?? .unix(path: "/systemd-fd-\(fd)")
        Self.setNonBlocking(fd)
        handoff = (try? Self.openHandoff()) ?? ConnectionHandoff(sendEnd: -1, receiveEnd: -1)
    }

    private static func openHandoff() throws(OpenError) -> ConnectionHandoff {
        guard let handoff = ConnectionHandoff.open() else {
            throw OpenError(message: "socketpair for the connection hand-off: \(String(cString: strerror(errno)))")
        }
        return handoff
    }

    /// Closes the socket and removes a unix socket's file (the master, when it stops).
    /// An inherited socket's file belongs to systemd and stays.
    func close() {
        _ = Glibc.close(descriptor)
        if !inherited, case .unix(let path) = address { unlink(path) }
    }

    /// Non-blocking accept (the flag belongs to the socket shared by every worker; the
    /// connections accepted from it are blocking, as Linux never passes the flag on).
    private static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        if flags >= 0, flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// The address a socket is bound to (`getsockname`).
    static func boundAddress(_ fd: Int32) -> BindAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_UNIX:
            let path = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sun_path) { bytes in
                        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    }
                }
            }
            return .unix(path: path)
        case AF_INET, AF_INET6:
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
            let status = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
                }
            }
            func text(_ buffer: [CChar]) -> String { String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            guard status == 0, let port = UInt16(text(service)) else { return nil }
            return .tcp(host: text(host), port: port)
        default:
            return nil
        }
    }

    private static func failure(_ what: String) -> OpenError {
        OpenError(message: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func openUnix(path: String, backlog: Int32, mode: mode_t) throws(OpenError) -> Int32 {
        // A stale socket file from a crashed run would make bind fail; remove it, but never
        // remove anything that is not a socket.
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else { throw OpenError(message: "\(path) exists and is not a socket") }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buffer in
            let bytes = Array(path.utf8)
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { let error = failure("bind \(path)"); Glibc.close(fd); throw error }
        guard chmod(path, mode) == 0 else { let error = failure("chmod \(path)"); Glibc.close(fd); throw error }
        guard listen(fd, backlog) == 0 else { let error = failure("listen \(path)"); Glibc.close(fd); throw error }
        return fd
    }

    private static func openTCP(host: String, port: UInt16, backlog: Int32) throws(OpenError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw OpenError(message: "\(host) is not a numeric IP address")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = failure("bind \(host):\(port)"); Glibc.close(fd); throw error
        }
        guard listen(fd, backlog) == 0 else { let error = failure("listen \(host):\(port)"); Glibc.close(fd); throw error }
        return fd
    }
}
