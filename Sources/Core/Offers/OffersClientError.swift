/// Why a call to the offers service failed, as a value the job can act on.
///
/// The job retries nothing blindly: `unauthorized` leads to one re-authentication,
/// `productNotRegistered` to a re-registration, `tokenStillValid` to reusing the stored
/// token; the service-side failures count toward the run's circuit breaker; the rest fail
/// the one product they concern.
public enum OffersClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: the refresh token (on `/auth`) or the access token (elsewhere) was refused.
    case unauthorized(detail: String?)
    /// 400 on `/auth`: "Cannot generate access token because another is valid".
    case tokenStillValid(detail: String?)
    /// 404 on the offers call: the service does not know the product.
    case productNotRegistered
    /// Another 4xx: the service rejected this request (e.g. 422 on a registration).
    case rejected(status: Int, detail: String?)
    /// 5xx: the service failed.
    case serverError(status: Int)
    /// A status the contract does not mention (1xx/3xx, or 2xx other than the documented one).
    case unexpectedStatus(Int)
    /// No complete answer within the timeout.
    case timedOut(seconds: Double)
    /// The connection could not be made or broke (refused, reset, DNS, TLS).
    case transport(String)
    /// The answer had the right status but a body that is not what the contract promises.
    case malformedBody(String)

    /// Whether this says something about the service's health (as opposed to about one
    /// product): these trip the circuit breaker when they come in a row.
    public var isServiceFailure: Bool {
        switch self {
        case .serverError, .unexpectedStatus, .timedOut, .transport, .malformedBody: true
        case .unauthorized, .tokenStillValid, .productNotRegistered, .rejected: false
        }
    }

    /// A short category for the run summary ("12 timed out after 0.5 s").
    public var category: String {
        switch self {
        case .unauthorized: "unauthorized (401)"
        case .tokenStillValid: "token refused (400, another is valid)"
        case .productNotRegistered: "not registered (404)"
        case .rejected(let status, _): "rejected (\(status))"
        case .serverError(let status): "server error (\(status))"
        case .unexpectedStatus(let status): "unexpected status \(status)"
        case .timedOut(let seconds): "timed out after \(Self.format(seconds)) s"
        case .transport: "connection failed"
        case .malformedBody: "malformed response"
        }
    }

    public var description: String {
        switch self {
        case .unauthorized(let detail): "401 unauthorized" + Self.suffix(detail)
        case .tokenStillValid(let detail): "400 another access token is still valid" + Self.suffix(detail)
        case .productNotRegistered: "404 the offers service does not know this product"
        case .rejected(let status, let detail): "\(status) rejected" + Self.suffix(detail)
        case .serverError(let status): "HTTP \(status) from the offers service"
        case .unexpectedStatus(let status): "unexpected HTTP status \(status)"
        case .timedOut(let seconds): "no answer within \(Self.format(seconds)) s"
        case .transport(let message): "connection failed: \(message)"
        case .malformedBody(let what): "malformed response: \(what)"
        }
    }

    private static func suffix(_ detail: String?) -> String {
        guard let detail, !detail.isEmpty else { return "" }
        return ": " + String(detail.prefix(200))
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
