import HTTPTypes

/// One HTTP request as the service sees it, independent of how it arrived.
///
/// The FastCGI bridge builds these from FastCGI params; tests build them directly. That is
/// what lets every handler run without a server (Core knows nothing of sockets; README, "Rules of the house").
public struct Request: Sendable {
    public var method: HTTPRequest.Method
    /// The path without the query string, percent-encoded as received (`/products/42`).
    public var path: String
    /// The raw query string without the leading `?` (may be empty).
    public var rawQuery: String
    public var headers: HTTPFields
    public var body: [UInt8]
    /// Set by the transport when the declared body is larger than the configured limit;
    /// the body is then not read at all, and the request is answered with 413.
    public var bodyTooLarge: Bool
    /// The correlation id for this request: the client's `X-Request-ID` when it is sane,
    /// otherwise one generated here. It is echoed on the response and logged.
    public var requestID: String
    /// Decoded query parameters; the first occurrence of a repeated name wins.
    public let query: [String: String]
    /// The client's IP address as nginx saw it (`REMOTE_ADDR`), when the transport knows
    /// it; see `ClientAddress` for how it identifies a client.
    public var clientAddress: String?

    public init(
        method: HTTPRequest.Method,
        path: String,
        rawQuery: String = "",
        headers: HTTPFields = [:],
        body: [UInt8] = [],
        bodyTooLarge: Bool = false,
        requestID: String? = nil,
        clientAddress: String? = nil
    ) {
        self.clientAddress = clientAddress
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.requestID = RequestID.resolve(requestID ?? headers[RequestID.headerName])
        self.query = QueryString.parse(rawQuery)
    }

    /// Builds a request from a target such as `/products?limit=2` (used by tests and tools).
    public init(_ method: HTTPRequest.Method, _ target: String, headers: HTTPFields = [:], body: [UInt8] = []) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(
            method: method,
            path: String(parts[0]),
            rawQuery: parts.count > 1 ? String(parts[1]) : "",
            headers: headers,
            body: body
        )
    }
}
