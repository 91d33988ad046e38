/// The OpenAPI description of one route, declared where the route is registered.
///
/// The route table and `/openapi.json` are built from the same registrations, so a route
/// cannot exist undocumented; a test still checks the document against the router and
/// the API contract. Responses every operation shares are added by `json`: 404 for paths
/// with ids, the body errors (400/413/415/422) for operations with a body, and 503 for
/// operations that touch the database.
public struct Operation: Sendable {
    public var id: String
    public var summary: String
    public var tags: [String]
    public var parameters: [JSONValue] = []
    public var requestBody: JSONValue?
    public var responses: [(code: Int, response: JSONValue)] = []
    /// Whether the operation reads or writes the database (so it can answer 503).
    public var usesDatabase = true
    /// Who may call it: set by the `Router.add` the route is registered with (public, or
    /// an `AccessRule`), enforced before the handler runs and declared as `security`.
    public internal(set) var access: Access = .everyone
    public var extraDescription: String?
    /// Whether nginx may serve anonymous `GET`/`HEAD` of it from its response cache
    /// (`ResponseCachePolicy` says for how long; the responder sets `Cache-Control`).
    public var isCacheable = false

    public init(_ id: String, _ summary: String, tags: [String]) {
        self.id = id
        self.summary = summary
        self.tags = tags
    }

    /// Adds parameters (see `OpenAPI.queryParameter` and friends).
    public func parameters(_ parameters: JSONValue...) -> Operation {
        var copy = self
        copy.parameters += parameters
        return copy
    }

    /// Declares a JSON request body with the given schema.
    public func body(_ schema: JSONValue, description: String? = nil) -> Operation {
        var copy = self
        var body: JSONObject = [
            "required": true,
            "content": ["application/json": ["schema": schema]],
        ]
        if let description { body["description"] = .string(description) }
        copy.requestBody = .object(body)
        return copy
    }

    /// Adds a response with an optional JSON schema and response headers.
    public func response(_ code: Int, _ description: String, schema: JSONValue? = nil, headers: [String] = [],
                         contentType: String = "application/json") -> Operation {
        var copy = self
        var response: JSONObject = ["description": .string(description)]
        if let schema { response["content"] = .object(JSONObject([(contentType, .object(["schema": schema]))])) }
        var headerObject = JSONObject()
        for name in headers + ["X-Request-ID"] { headerObject[name] = OpenAPI.header(name) }
        response["headers"] = .object(headerObject)
        copy.responses.append((code, .object(response)))
        return copy
    }

    /// Adds problem+json responses for the given statuses.
    public func problems(_ codes: Int...) -> Operation {
        var copy = self
        for code in codes where !copy.responses.contains(where: { $0.code == code }) {
            copy.responses.append((code, OpenAPI.problemResponse(code)))
        }
        return copy
    }

    /// Adds a problem+json response whose description says when this operation gives it,
    /// where the status's reason phrase alone would leave a client guessing.
    public func problem(_ code: Int, _ description: String) -> Operation {
        var copy = self
        guard case .object(var response) = OpenAPI.problemResponse(code) else { return copy }
        response["description"] = .string(description)
        copy.responses.removeAll { $0.code == code }
        copy.responses.append((code, .object(response)))
        return copy
    }

    public func noDatabase() -> Operation {
        var copy = self
        copy.usesDatabase = false
        return copy
    }

    /// Marks a public read that nginx may cache; its 200 declares `Cache-Control` and
    /// `X-Cache-Status`, and its description states the staleness bound.
    public func cacheable() -> Operation {
        var copy = self
        copy.isCacheable = true
        return copy
    }

    /// What a client of a cacheable operation may rely on, in every such operation's description.
    static let cacheDescription = """
        Anonymous requests may be answered from nginx's response cache (`X-Cache-Status`). \
        An admin's change is visible to anonymous readers after `s-maxage` seconds \
        (`CATALOG_CACHE_MAX_AGE`, default \(ResponseCachePolicy.defaultMaxAge)) plus one refresh; a deletion, \
        and answers while the service cannot reach its database, within `s-maxage` + `stale-if-error` \
        seconds (`CATALOG_CACHE_MAX_STALE`, default \(ResponseCachePolicy.defaultMaxStale)), then the real answer. \
        Requests with `Authorization` or `Cache-Control: no-cache` always reach the service.
        """

    public func describe(_ text: String) -> Operation {
        var copy = self
        copy.extraDescription = text
        return copy
    }

    /// The operation object, with the shared responses added.
    public func json(path: String) -> JSONValue {
        var all = self
        if path.contains("{") { all = all.problems(404) }
        if requestBody != nil { all = all.problems(400, 413, 415, 422) }
        if usesDatabase { all = all.problems(503) }
        if isCacheable { all.responses = all.responses.map { $0.code == 200 ? ($0.code, Self.addingCacheHeaders($0.response)) : $0 } }
        switch access {
        case .everyone: break
        case .signedIn: all = all.problems(401)
        case .admin: all = all.problems(401, 403)
        }
        var object: JSONObject = [
            "operationId": .string(id),
            "summary": .string(summary),
            "tags": .array(tags.map(JSONValue.string)),
        ]
        let who = switch access {
        case .everyone: "Public."
        case .signedIn: "Requires a bearer token (any signed-in user)."
        case .admin: "Requires a bearer token of a user with the `admin` role."
        }
        let description = [extraDescription, isCacheable ? Self.cacheDescription : nil, who].compactMap { $0 }.joined(separator: "\n\n")
        object["description"] = .string(description)
        object["x-access"] = .string(access == .everyone ? "public" : access == .admin ? "admin" : "signed-in")
        let pathParameters = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { OpenAPI.pathID(String($0.dropFirst().dropLast())) }
        if !(pathParameters + parameters).isEmpty { object["parameters"] = .array(pathParameters + parameters) }
        if let requestBody { object["requestBody"] = requestBody }
        var responses = JSONObject()
        for (code, response) in all.responses.sorted(by: { $0.code < $1.code }) { responses[String(code)] = response }
        object["responses"] = .object(responses)
        object["security"] = access == .everyone ? [] : [["bearerAuth": []]]
        return .object(object)
    }

    private static func addingCacheHeaders(_ response: JSONValue) -> JSONValue {
        guard case .object(var object) = response, case .object(var headers)? = object["headers"] else { return response }
        for name in ["Cache-Control", "X-Cache-Status"] { headers[name] = OpenAPI.header(name) }
        object["headers"] = .object(headers)
        return .object(object)
    }
}
