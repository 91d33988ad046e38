import HTTPTypes

/// The `method` label of the request metrics.
///
/// nginx passes any method token on (`FOOBAR /products` reaches a worker and gets a 405),
/// and every distinct label value is a new series: a slot in the scoreboard's fixed-size
/// route table (when it is full, real observations are dropped) and a series for
/// Prometheus to keep. So only the methods the service knows keep their name, and every
/// other one is counted as `OTHER`, however many a client invents.
public enum MethodLabel {
    public static let other = "OTHER"

    /// RFC 9110's methods and `PATCH` (RFC 5789): every method a route can have (a test
    /// checks the route table against it) and the ones nginx answers itself.
    public static let known: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]

    public static func label(for method: HTTPRequest.Method) -> String {
        known.contains(method.rawValue) ? method.rawValue : other
    }
}
