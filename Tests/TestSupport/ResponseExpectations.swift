import Testing

/// Assertions on responses that the route suites and the end-to-end suites share.
public enum ResponseExpectations {
    /// Strings that must never appear in a response a client sees.
    public static let leakMarkers = ["SELECT", "INSERT", "UPDATE ", "ERROR:", "SQLSTATE", "/work/", ".swift", "libpq", "Fatal error", "constraint"]

    public static func noLeak(_ response: some TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for marker in leakMarkers {
            #expect(!response.text.contains(marker), "response leaks \(marker): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    /// An RFC 9457 problem document with this status, carrying the request id.
    public static func problem(_ response: some TestResponse, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "expected \(status), got \(response.status): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        #expect(response["status"] == .int(status), "problem status member: \(response.text)", sourceLocation: sourceLocation)
        #expect(response["title"] != nil && response["type"] != nil, sourceLocation: sourceLocation)
        #expect(response.header("X-Request-ID") != nil, sourceLocation: sourceLocation)
        noLeak(response, sourceLocation: sourceLocation)
    }
}
