import CFastCGI
import Core
import HTTPTypes

/// The bridge between one libfcgi request and Core's `Request`/`Response` values.
///
/// nginx passes the request line and headers as FastCGI params (`REQUEST_METHOD`,
/// `REQUEST_URI`, `CONTENT_TYPE`, `HTTP_*`), and the body on stdin. The response goes back
/// as a CGI-style header block (`Status: 201 Created`) followed by the body.
struct FastCGIExchange {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let maxBodyBytes: Int

    init(request: UnsafeMutablePointer<FCGX_Request>, maxBodyBytes: Int) {
        self.request = request
        self.maxBodyBytes = maxBodyBytes
    }

    /// The params as name/value pairs.
    private func parameters() -> [String: String] {
        var result: [String: String] = [:]
        guard var cursor = request.pointee.envp else { return result }
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }

    /// Builds the Core request; `nil` when the params are unusable (no method or URI).
    func readRequest() -> Request? {
        let params = parameters()
        guard let methodName = params["REQUEST_METHOD"], let method = HTTPRequest.Method(methodName),
              let uri = params["REQUEST_URI"] ?? params["DOCUMENT_URI"]
        else { return nil }
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        var headers = HTTPFields()
        for (name, value) in params {
            let headerName: String
            // nginx sends Content-Type/-Length both as CGI variables and as HTTP_* params;
            // take the CGI ones only, or the header would appear twice.
            if name.hasPrefix("HTTP_"), name != "HTTP_CONTENT_TYPE", name != "HTTP_CONTENT_LENGTH" {
                headerName = name.dropFirst(5).split(separator: "_").map { $0.capitalized }.joined(separator: "-")
            } else if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH" {
                guard !value.isEmpty else { continue }
                headerName = name == "CONTENT_TYPE" ? "Content-Type" : "Content-Length"
            } else {
                continue
            }
            if let fieldName = HTTPField.Name(headerName) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        // nginx sends CONTENT_LENGTH as an empty string for requests without a body.
        let declaredLength = params["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0
        if declaredLength > maxBodyBytes {
            return Request(method: method, path: path, rawQuery: params["QUERY_STRING"] ?? "", headers: headers, bodyTooLarge: true)
        }
        return Request(method: method, path: path, rawQuery: params["QUERY_STRING"] ?? "", headers: headers, body: readBody(length: declaredLength))
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

    /// Writes the status line, headers and body in one buffer.
    func write(_ response: Response, includeBody: Bool) {
        var head = "Status: \(response.status.code) \(response.status.reasonPhrase)\r\n"
        for field in response.headers { head += "\(field.name.rawName): \(field.value)\r\n" }
        if includeBody, response.status != .notModified, response.status != .noContent {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody { bytes += response.body }
        bytes.withUnsafeBytes { buffer in
            _ = FCGX_PutStr(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count), request.pointee.out)
        }
    }
}
