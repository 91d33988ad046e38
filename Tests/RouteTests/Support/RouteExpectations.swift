import Core
import Testing

/// Assertions shared by the route suites.
enum Expect {
    /// Strings that must never appear in a response a client sees.
    static let leakMarkers = ["SELECT", "INSERT", "UPDATE ", "ERROR:", "SQLSTATE", "/work/", ".swift", "libpq", "Fatal error", "constraint"]

    static func noLeak(_ response: RouteResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for marker in leakMarkers {
            #expect(!response.text.contains(marker), "response leaks \(marker): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    /// An RFC 9457 problem document with this status, carrying the request id.
    static func problem(_ response: RouteResponse, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "expected \(status), got \(response.status): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        #expect(response["status"] == .int(status), "problem status member: \(response.text)", sourceLocation: sourceLocation)
        #expect(response["title"] != nil && response["type"] != nil, sourceLocation: sourceLocation)
        #expect(response.header("X-Request-ID") != nil, sourceLocation: sourceLocation)
        noLeak(response, sourceLocation: sourceLocation)
    }

    /// The `field` names in a 422's `errors`.
    static func errorFields(_ response: RouteResponse) -> [String] {
        guard case .array(let errors)? = response["errors"] else { return [] }
        return errors.compactMap { error in
            if case .object(let object) = error, case .string(let field)? = object["field"] { return field }
            return nil
        }
    }
}
