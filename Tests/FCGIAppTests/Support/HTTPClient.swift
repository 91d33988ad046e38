import Core
import Foundation
import TestSupport

/// A response as received on the wire.
struct HTTPResult: TestResponse {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// The first header with this name (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// All headers with this name.
    func headers(named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// A deliberately small HTTP/1.1 client over a plain TCP socket.
///
/// Tests need exact control of what goes on the wire (malformed bodies, odd headers,
/// bodies bigger than the limit) and exact visibility of what comes back (status, every
/// header, raw bytes), which a full client library would normalise away.
enum HTTP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPResult {
        try send("GET", path, headers: headers)
    }

    /// Sends `json` with `Content-Type: application/json`.
    static func send(_ method: String, _ path: String, json: JSONValue, headers: [(String, String)] = []) throws -> HTTPResult {
        try send(method, path, headers: [("Content-Type", "application/json")] + headers, body: json.encoded)
    }

    /// Sends like a well-behaved client of the password routes: a `429` or `503` that
    /// carries `Retry-After` (nginx's ceilings, the account throttle, a busy hashing slot)
    /// is retried after waiting that long, for at most `patience` seconds; any other
    /// answer, or the last one, is returned. Tests of those limits use `send` instead.
    static func patient(_ method: String, _ path: String, json: JSONValue, headers: [(String, String)] = [], patience: Double = 30) throws -> HTTPResult {
        try patient(method, path, headers: [("Content-Type", "application/json")] + headers, body: json.encoded, patience: patience)
    }

    static func patient(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8], patience: Double = 30) throws -> HTTPResult {
        let deadline = Date().addingTimeInterval(patience)
        while true {
            let response = try send(method, path, headers: headers, body: body)
            guard [429, 503].contains(response.status), let wait = response.header("Retry-After").flatMap(Double.init),
                  Date().addingTimeInterval(wait) < deadline
            else { return response }
            Thread.sleep(forTimeInterval: max(wait, 0.2))
        }
    }

    /// `from` binds the client's side to another loopback address (all of 127.0.0.0/8 is
    /// local on Linux), so one test process can be several clients to nginx.
    static func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil, port: UInt16 = TestStack.port,
                     from source: String? = nil) throws -> HTTPResult {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        defer { close(fd) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Failure(description: "bind to \(source) failed: errno \(errno)") }
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port) failed") }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + (body ?? [])
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the server may answer (413) and close before reading everything
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 { if errno == EINTR { continue }; if response.isEmpty { throw Failure(description: "recv failed: errno \(errno)") }; break }
            if count == 0 { break }
            response += buffer[0..<count]
        }
        return try parse(response)
    }

    static func parse(_ bytes: [UInt8]) throws -> HTTPResult {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...(max(0, bytes.count - 4))).first(where: { Array(bytes[$0..<min($0 + 4, bytes.count)]) == separator }) else {
            throw Failure(description: "no header terminator in response of \(bytes.count) bytes")
        }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(bytes[(end + 4)...])
        if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
            body = try dechunk(body)
        }
        return HTTPResult(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw Failure(description: "bad chunk size") }
            if size == 0 { break }
            output += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            index = lineEnd + 2 + size + 2
        }
        return output
    }
}
