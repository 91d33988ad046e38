/// Where the FastCGI listener binds: a unix socket path or a TCP host and port.
enum BindAddress: Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: UInt16)

    struct ParseError: Error, CustomStringConvertible {
        let text: String
        var description: String { "bind address \"\(text)\" is neither unix:/absolute/path nor HOST:PORT (e.g. 127.0.0.1:9000)" }
    }

    /// `unix:/run/catalog/catalog.sock`, `127.0.0.1:9000`, `[::1]:9000`.
    init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), path.utf8.count < 108 else { throw ParseError(text: text) }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw ParseError(text: text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ParseError(text: text) }
        self = .tcp(host: host, port: port)
    }

    var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

extension BindAddress {
    /// TCP sockets need per-connection options (no receive timeout, `TCP_NODELAY`).
    var isTCP: Bool {
        if case .tcp = self { return true }
        return false
    }
}
