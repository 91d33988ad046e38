import CFastCGI
import Core
import HTTPTypes

#if canImport(Glibc)
import Glibc
#endif

/// The bridge between one libfcgi request and Core's `Request`/`Response` values.
///
/// nginx passes the request line and headers as FastCGI params (`REQUEST_METHOD`,
/// `REQUEST_URI`, `CONTENT_TYPE`, `HTTP_*`), and the body on stdin. The response goes back
/// as a CGI-style header block (`Status: 201 Created`) followed by the body.
struct FastCGIExchange {
    let request: UnsafeMutablePointer<FCGX_Request>
    private let maxBodyBytes: Int

    init(request: UnsafeMutablePointer<FCGX_Request>, maxBodyBytes: Int) {
        self.request = request
        self.maxBodyBytes = maxBodyBytes
    }

    /// The params the service uses, read straight from libfcgi's `NAME=value` C strings.
    ///
    /// This runs for every request, so it works on bytes: only the CGI variables below
    /// and the `HTTP_*` headers become Swift strings; nginx's other params (`SERVER_*`,
    /// `REMOTE_PORT`, `DOCUMENT_ROOT`, ...) are skipped without decoding.
    private struct Parameters {
        var method: String?
        var uri: String?
        var query = ""
        var contentLength = ""
        var remoteAddress: String?
        var headers = HTTPFields()
    }

    private func parameters() -> Parameters {
        var result = Parameters()
        guard var cursor = request.pointee.envp else { return result }
        while let entry = cursor.pointee {
            cursor += 1
            let length = strlen(entry)
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: length)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = UnsafeBufferPointer(rebasing: bytes[..<equals])
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[(equals + 1)...]), as: UTF8.self)
            if Self.hasPrefix(name, "HTTP_") {
                // nginx sends Content-Type/-Length both as CGI variables and as HTTP_*
                // params; take the CGI ones only, or the header would appear twice.
                if Self.equals(name, "HTTP_CONTENT_TYPE") || Self.equals(name, "HTTP_CONTENT_LENGTH") { continue }
                if let field = HTTPField.Name(Self.headerName(UnsafeBufferPointer(rebasing: name[5...]))) {
                    result.headers.append(HTTPField(name: field, value: value))
                }
            } else if Self.equals(name, "REQUEST_METHOD") {
                result.method = value
            } else if Self.equals(name, "REQUEST_URI") {
                result.uri = value
            } else if Self.equals(name, "QUERY_STRING") {
                result.query = value
            } else if Self.equals(name, "CONTENT_TYPE") {
                if !value.isEmpty { result.headers[.contentType] = value }
            } else if Self.equals(name, "REMOTE_ADDR") {
                result.remoteAddress = value
            } else if Self.equals(name, "CONTENT_LENGTH") {
                // nginx sends CONTENT_LENGTH as an empty string for requests without a body.
                result.contentLength = value
                if !value.isEmpty { result.headers[.contentLength] = value }
            }
        }
        return result
    }

    /// `X_REQUEST_ID` → `X-Request-Id` (header names are case-insensitive; this is the
    /// conventional spelling).
    private static func headerName(_ name: UnsafeBufferPointer<UInt8>) -> String {
        var output = [UInt8]()
        output.reserveCapacity(name.count)
        var startOfWord = true
        for byte in name {
            if byte == UInt8(ascii: "_") {
                output.append(UInt8(ascii: "-"))
                startOfWord = true
            } else {
                let isUpper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
                output.append(startOfWord || !isUpper ? byte : byte + 32)
                startOfWord = false
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { memcmp(bytes.baseAddress!, $0.baseAddress!, $0.count) == 0 }
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
    }

    /// Builds the Core request; `nil` when the params are unusable (no method or URI, or a
    /// `CONTENT_LENGTH` that is not a length).
    func readRequest() -> Request? {
        let params = parameters()
        guard let methodName = params.method, let method = HTTPRequest.Method(methodName), let uri = params.uri,
              let declaredLength = Self.contentLength(params.contentLength)
        else { return nil }
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        if declaredLength > maxBodyBytes {
            return Request(method: method, path: path, rawQuery: params.query, headers: params.headers, bodyTooLarge: true,
                           clientAddress: params.remoteAddress)
        }
        return Request(method: method, path: path, rawQuery: params.query, headers: params.headers, body: readBody(length: declaredLength),
                       clientAddress: params.remoteAddress)
    }

    /// `CONTENT_LENGTH` as a byte count: empty is no body (what nginx sends without one),
    /// otherwise decimal digits only. A count too large for `Int` saturates, which is over
    /// any body limit; a sign, a space or anything else is `nil`, never guessed at.
    static func contentLength(_ text: String) -> Int? {
        var length = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            length = overflow1 || overflow2 ? Int.max : next
        }
        return length
    }

    /// Reads exactly `length` bytes of stdin (`FCGX_GetStr` returns short reads).
    private func readBody(length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        var filled = 0
        body.withUnsafeMutableBytes { buffer in
            while filled < length {
                let pointer = buffer.baseAddress!.advanced(by: filled).assumingMemoryBound(to: CChar.self)
                let count = FCGX_GetStr(pointer, Int32(length - filled), request.pointee.in)
                if count <= 0 { break }
                filled += Int(count)
            }
        }
        return Array(body.prefix(filled))
    }

    /// Writes the status line and headers, then the body: into libfcgi's buffered stream
    /// when they fit its buffer, else as records of their own (`writeRecords`). The body is
    /// not copied behind the head.
    func write(_ response: Response, includeBody: Bool) {
        var head = "Status: \(response.status.code) \(response.status.reasonPhrase)\r\n"
        for field in response.headers { head += "\(field.name.rawName): \(field.value)\r\n" }
        if includeBody, response.status != .notModified, response.status != .noContent {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        head += "\r\n"
        let body = includeBody ? response.body : []
        if head.utf8.count + body.count > Self.bufferedLimit {
            head.withUTF8 { head in body.withUnsafeBytes { writeRecords(head: UnsafeRawBufferPointer(head), body: $0) } }
            return
        }
        let out = request.pointee.out
        head.withUTF8 { buffer in
            _ = FCGX_PutStr(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buffer.count), out)
        }
        guard !body.isEmpty else { return }
        body.withUnsafeBytes { buffer in
            _ = FCGX_PutStr(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count), out)
        }
    }
}
