import HTTPTypes

/// Every way a request can fail that a client is told about, as a typed value.
///
/// Handlers throw these; the responder turns each into an RFC 9457 problem document with
/// the right status and headers. Messages here are written for clients: they never carry
/// SQL, file paths, or the text of an underlying system error.
public enum APIError: Error, Sendable, Equatable {
    /// 400: the body is not JSON at all.
    case malformedJSON(String)
    /// 401: no usable credentials; answered with `WWW-Authenticate: Bearer`.
    case unauthorized(String)
    /// 403: authenticated, but not allowed to do this.
    case forbidden(String)
    /// 404: no such resource or route.
    case notFound(String)
    /// 405: the path exists, the method does not; answered with `Allow`.
    case methodNotAllowed(allowed: [HTTPRequest.Method])
    /// 409: the change conflicts with existing data (a duplicate unique value).
    case conflict(String, field: String? = nil)
    /// 412: `If-Match` did not match the current representation.
    case preconditionFailed
    /// 413: the body is larger than the configured limit.
    case payloadTooLarge(limit: Int)
    /// 413: the body is within the byte limit but more than the service will parse (too
    /// many members, elements or values, too long a string, too deep); the detail says which.
    case contentTooLarge(String)
    /// 415: the body is not `application/json`.
    case unsupportedMediaType(String)
    /// 422: the request is well-formed but its content is invalid.
    case validation([FieldError])
    /// 422 whose detail says more than "invalid fields": one sentence the client needs
    /// as a whole (a range that would produce too many points, and the maximum).
    case unprocessable(detail: String, errors: [FieldError])
    /// 429: this client or account must wait before trying again; answered with `Retry-After`.
    case tooManyRequests(String, retryAfter: Int)
    /// 503: a dependency (the database) is unavailable, or the work this request needs
    /// has no capacity right now; answered with `Retry-After`.
    case serviceUnavailable(String, retryAfter: Int)
    /// 500: a fault of ours; the details go to the log, never to the client.
    case internalError

    /// A 422 for a single field.
    public static func invalid(_ field: String, _ message: String) -> APIError {
        .validation([FieldError(field, message)])
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .malformedJSON: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .payloadTooLarge, .contentTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .validation, .unprocessable: .unprocessableContent
        case .tooManyRequests: .tooManyRequests
        case .serviceUnavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }
}
