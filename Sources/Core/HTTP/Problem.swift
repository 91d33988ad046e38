import HTTPTypes

/// An RFC 9457 problem document (`application/problem+json`).
///
/// `type` is `about:blank` for the plain HTTP meanings (the title is then the status
/// phrase, as the RFC recommends) and a stable URI under `/problems/` for failures a client
/// may want to branch on, such as validation errors.
public struct Problem: Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: HTTPResponse.Status
    public var detail: String?
    public var errors: [FieldError]

    public init(type: String = "about:blank", title: String? = nil, status: HTTPResponse.Status, detail: String? = nil, errors: [FieldError] = []) {
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    public static let mediaType = "application/problem+json"

    public var json: JSONValue {
        var object: JSONObject = [
            "type": .string(type),
            "title": .string(title),
            "status": .int(status.code),
        ]
        if let detail { object["detail"] = .string(detail) }
        if !errors.isEmpty {
            object["errors"] = .array(errors.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        return .object(object)
    }

    public var response: Response {
        Response(status: status, headers: [.contentType: Self.mediaType], body: json.encoded)
    }
}

extension APIError {
    /// The problem document a client receives for this error.
    public var problem: Problem {
        switch self {
        case .malformedJSON(let detail):
            Problem(type: "/problems/malformed-json", title: "Malformed JSON", status: status, detail: detail)
        case .unauthorized(let detail), .forbidden(let detail), .notFound(let detail), .unsupportedMediaType(let detail),
             .contentTooLarge(let detail):
            Problem(status: status, detail: detail)
        case .methodNotAllowed(let allowed):
            Problem(status: status, detail: "Allowed methods: \(allowed.map(\.rawValue).joined(separator: ", ")).")
        case .conflict(let detail, let field):
            Problem(type: "/problems/conflict", title: "Conflict", status: status, detail: detail,
                    errors: field.map { [FieldError($0, detail)] } ?? [])
        case .preconditionFailed:
            Problem(status: status, detail: "The resource has changed since it was read (If-Match did not match its ETag).")
        case .payloadTooLarge(let limit):
            Problem(status: status, detail: "The request body is larger than \(limit) bytes.")
        case .validation(let errors):
            Problem(type: "/problems/validation", title: "Validation failed", status: status,
                    detail: "The request has invalid fields.", errors: errors)
        case .unprocessable(let detail, let errors):
            Problem(type: "/problems/validation", title: "Validation failed", status: status, detail: detail, errors: errors)
        case .serviceUnavailable(let detail, _), .tooManyRequests(let detail, _):
            Problem(status: status, detail: detail)
        case .internalError:
            Problem(status: status, detail: "An internal error occurred. The request id identifies it in the service's log.")
        }
    }

    /// The complete response: the problem document plus the headers this status requires.
    public var response: Response {
        var response = problem.response
        switch self {
        case .unauthorized:
            response.headers[.wwwAuthenticate] = "Bearer"
        case .methodNotAllowed(let allowed):
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        case .serviceUnavailable(_, let retryAfter), .tooManyRequests(_, let retryAfter):
            response.headers[.retryAfter] = String(retryAfter)
        default:
            break
        }
        return response
    }
}
