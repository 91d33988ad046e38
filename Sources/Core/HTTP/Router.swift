import HTTPTypes

/// Handles one request. Handlers are synchronous: a worker serves one request at a time.
public typealias Handler = (Request, RequestContext) throws -> Response

/// A route's access check: runs its `AccessRule` (throwing 401/403) and returns the
/// handler with the caller it produced bound in. Public routes return theirs at once.
public typealias Admission = (Request, Database, any RequestAuthenticator) throws -> Handler

/// One entry of the route table: method, path template, its OpenAPI description and handler.
public struct Route {
    public let method: HTTPRequest.Method
    /// The path in OpenAPI template form (`/products/{id}`); this exact string is the key
    /// of the route's entry under `paths` in `/openapi.json`.
    public let path: String
    public let operation: Operation
    fileprivate let segments: [RouteSegment]
    fileprivate let admission: Admission
}

/// A path segment of a route template.
private enum RouteSegment: Equatable {
    case literal(String)
    /// `{name}`: a resource id, a positive 64-bit integer. Anything else does not match,
    /// so `/products/abc` and `/products/0` are 404s rather than handler errors.
    case id(String)
}

/// The ids captured from the path, by template name.
public struct PathParameters: Sendable {
    private var values: [(String, Int64)] = []

    public init() {}

    mutating func append(_ name: String, _ value: Int64) { values.append((name, value)) }

    /// The id captured for `{name}`. Asking for a name the route does not declare is a
    /// programming error, caught by the route-table tests.
    public func id(_ name: String = "id") -> Int64 {
        guard let value = values.first(where: { $0.0 == name })?.1 else {
            preconditionFailure("route has no path parameter {\(name)}")
        }
        return value
    }
}

/// Maps method + path to a handler.
///
/// A path that matches some route but not with this method is a 405 with `Allow`; a path
/// that matches none is a 404. `HEAD` is served by the `GET` handler (the transport drops
/// the body), so it is listed in `Allow` wherever `GET` is.
public struct Router {
    public private(set) var routes: [Route] = []

    public init() {}

    /// The outcome of looking a request up.
    public enum Resolution {
        case matched(Admission, PathParameters, Route)
        case methodNotAllowed([HTTPRequest.Method])
        case notFound
    }

    /// Registers a public route (`Access.everyone`): its handler is given no caller.
    /// Templates use `{name}` for id segments.
    public mutating func add(_ method: HTTPRequest.Method, _ path: String, _ operation: Operation, handler: @escaping Handler) {
        var operation = operation
        operation.access = .everyone
        insert(method, path, operation) { _, _, _ in handler }
    }

    /// Registers a route that needs a caller: `rule` (`.signedIn`, `.admin`) is checked
    /// before the handler runs, gives the handler its caller, and is what the operation
    /// declares in the OpenAPI document.
    public mutating func add<Caller>(_ method: HTTPRequest.Method, _ path: String, _ rule: AccessRule<Caller>, _ operation: Operation,
                                     handler: @escaping (Request, RequestContext, Caller) throws -> Response) {
        var operation = operation
        operation.access = rule.access
        insert(method, path, operation) { request, database, authenticator in
            let caller = try rule.admit(request, database, authenticator)
            return { request, context in try handler(request, context, caller) }
        }
    }

    private mutating func insert(_ method: HTTPRequest.Method, _ path: String, _ operation: Operation, admission: @escaping Admission) {
        let segments: [RouteSegment] = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") { return .id(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        precondition(path.hasPrefix("/"), "route paths start with /")
        precondition(!routes.contains { $0.method == method && $0.segments == segments }, "duplicate route \(method) \(path)")
        routes.append(Route(method: method, path: path, operation: operation, segments: segments, admission: admission))
    }

    public func resolve(_ method: HTTPRequest.Method, _ path: String) -> Resolution {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let lookupMethod = method == .head ? .get : method
        var allowed: [HTTPRequest.Method] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == lookupMethod { return .matched(route.admission, parameters, route) }
            allowed.append(route.method)
            if route.method == .get { allowed.append(.head) }
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) == false, allowed.contains(.head) { allowed.removeAll { $0 == .head } }
        return .methodNotAllowed(allowed)
    }

    private static func match(_ segments: [RouteSegment], _ parts: ArraySlice<Substring>) -> PathParameters? {
        guard segments.count == parts.count else { return nil }
        var parameters = PathParameters()
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .id(let name):
                guard let value = ResourceID.parse(part) else { return nil }
                parameters.append(name, value)
            }
        }
        return parameters
    }
}

/// Resource ids: positive 64-bit integers written in plain decimal.
public enum ResourceID {
    /// The id in `text`, or `nil` unless it is 1...Int64.max written with digits only
    /// (no sign, no leading zeros, no spaces).
    public static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 19,
              text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text), value > 0
        else { return nil }
        return value
    }
}
