import Foundation

/// A minimal FastCGI client (responder role) over the stack's unix socket, for feeding
/// the workers params that nginx would never send: a missing method, a `CONTENT_LENGTH`
/// of `-5` or of 2^70, invalid UTF-8, thousands of headers.
///
/// It speaks just enough of the protocol (FastCGI 1.0: BEGIN_REQUEST, PARAMS, STDIN in,
/// STDOUT and END_REQUEST out) to play nginx's part; each exchange is one connection.
enum FastCGIClient {
    struct Answer {
        /// The `Status:` of the CGI response, `nil` when the worker sent none.
        let status: Int?
        /// Everything the worker wrote on stdout (headers and body).
        let stdout: [UInt8]
        let ended: Bool
    }

    /// The stack's worker socket (scripts/stack.sh: `serve --bind unix:$STATE/catalog.sock`, the
    /// state directory every process of the stack can reach).
    static var socketPath: String { TestStack.required("CATALOG_STATE_DIR") + "/catalog.sock" }

    private enum RecordType: UInt8 {
        case beginRequest = 1, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
    }

    /// One request: `params` in order (names and values as raw bytes), then `stdin`.
    /// `closingFirst: false` keeps this end open until the worker closes (see `send`).
    static func exchange(params: [([UInt8], [UInt8])], stdin: [UInt8] = [], closingFirst: Bool = true) throws -> Answer {
        var bytes = record(.beginRequest, [0, 1, 0, 0, 0, 0, 0, 0])  // role 1 (responder), flags 0: close after
        var encoded: [UInt8] = []
        for (name, value) in params { encoded += length(name.count) + length(value.count) + name + value }
        bytes += chunked(.params, encoded)
        bytes += chunked(.stdin, stdin)
        return try send(bytes, closingFirst: closingFirst)
    }

    /// Raw bytes, framing and all (for framing the worker must survive, not answer).
    /// `closingFirst` shuts this end's writing down after the bytes, so a worker waiting
    /// for more input sees the end; without it, the answer ends only when the worker closes.
    static func send(_ bytes: [UInt8], closingFirst: Bool = true) throws -> Answer {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTP.Failure(description: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw HTTP.Failure(description: "connect to \(socketPath) failed: errno \(errno)") }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the worker may answer and close before reading everything
            sent += count
        }
        if closingFirst { shutdown(fd, Int32(SHUT_WR)) }  // no more input: a worker waiting for more sees the end
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw HTTP.Failure(description: "no answer within 20 s") }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return parse(received)
    }

    private static func parse(_ bytes: [UInt8]) -> Answer {
        var stdout: [UInt8] = []
        var ended = false
        var index = 0
        while index + 8 <= bytes.count {
            let type = bytes[index + 1]
            let length = Int(bytes[index + 4]) << 8 | Int(bytes[index + 5])
            let padding = Int(bytes[index + 6])
            let start = index + 8
            guard start + length <= bytes.count else { break }
            if type == RecordType.stdout.rawValue { stdout += bytes[start..<(start + length)] }
            if type == RecordType.endRequest.rawValue { ended = true }
            index = start + length + padding
        }
        let head = String(decoding: stdout.prefix(64), as: UTF8.self)
        var status: Int?
        if head.hasPrefix("Status: ") { status = Int(head.dropFirst(8).prefix(3)) }
        return Answer(status: status, stdout: stdout, ended: ended)
    }

    private static func record(_ type: RecordType, _ content: [UInt8]) -> [UInt8] {
        [1, type.rawValue, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0] + content
    }

    /// `content` in records of at most 65,535 bytes, then the empty record that ends the stream.
    private static func chunked(_ type: RecordType, _ content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset = 0
        while offset < content.count {
            let end = min(content.count, offset + 65_535)
            bytes += record(type, Array(content[offset..<end]))
            offset = end
        }
        return bytes + record(type, [])
    }

    /// A name-value length: one byte below 128, else four with the top bit set.
    private static func length(_ count: Int) -> [UInt8] {
        count < 128 ? [UInt8(count)] : [UInt8(count >> 24 | 0x80), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }
}
