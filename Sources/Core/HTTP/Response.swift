import HTTPTypes

/// One HTTP response: status, header fields and a complete body.
///
/// Bodies are small JSON documents, so they are built whole; there is no streaming.
public struct Response: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The media type of every JSON response body the service writes.
    public static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON response; `etag` adds a strong `ETag` computed from the exact body bytes.
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, etag: Bool = false) -> Response {
        let body = value.encoded
        var headers: HTTPFields = [.contentType: jsonContentType]
        if etag { headers[.eTag] = ETag.strong(for: body) }
        return Response(status: status, headers: headers, body: body)
    }

    /// 204 No Content.
    public static let noContent = Response(status: .noContent)
}
