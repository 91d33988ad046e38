import Core

/// What the route suites and the end-to-end suites check of every problem response, in
/// one place. (Faults as text, recorded by each suite's own `Issue.record`: this target
/// is also built in release builds, where the `Testing` module is not available.)
public enum ResponseExpectations {
    /// Strings that must never appear in a response a client sees.
    public static let leakMarkers = ["SELECT", "INSERT", "UPDATE ", "ERROR:", "SQLSTATE", "/work/", ".swift", "libpq", "Fatal error", "constraint"]

    /// What in `response` leaks internals (none: nothing).
    public static func leakFaults(_ response: some TestResponse) -> [String] {
        leakMarkers.filter { response.text.contains($0) }.map { "response leaks \($0): \(response.text)" }
    }

    /// What keeps `response` from being an RFC 9457 problem document with this status,
    /// carrying the request id and leaking nothing (none: it is one).
    public static func problemFaults(_ response: some TestResponse, _ status: Int) -> [String] {
        var faults: [String] = []
        if response.status != status { faults.append("expected \(status), got \(response.status): \(response.text)") }
        if response.header("Content-Type") != "application/problem+json" {
            faults.append("Content-Type is \(response.header("Content-Type") ?? "missing"), not application/problem+json")
        }
        if response["status"] != .int(status) { faults.append("problem status member: \(response.text)") }
        if response["title"] == nil || response["type"] == nil { faults.append("no title or type: \(response.text)") }
        if response.header("X-Request-ID") == nil { faults.append("no X-Request-ID") }
        return faults + leakFaults(response)
    }
}
