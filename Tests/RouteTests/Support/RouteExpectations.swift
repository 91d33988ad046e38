import Testing
import TestSupport

/// Assertions shared by the route suites (the problem check is `ResponseExpectations`,
/// which the end-to-end suites use too).
enum Expect {
    static func noLeak(_ response: RouteResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for fault in ResponseExpectations.leakFaults(response) { Issue.record(Comment(rawValue: fault), sourceLocation: sourceLocation) }
    }

    /// An RFC 9457 problem document with this status, carrying the request id.
    static func problem(_ response: RouteResponse, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for fault in ResponseExpectations.problemFaults(response, status) { Issue.record(Comment(rawValue: fault), sourceLocation: sourceLocation) }
    }

    /// The `field` names in a 422's `errors`.
    static func errorFields(_ response: RouteResponse) -> [String] {
        response.errorFields
    }
}
