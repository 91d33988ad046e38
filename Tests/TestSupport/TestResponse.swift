import Core

/// What the test suites read of a response, whether it came over the wire (the
/// end-to-end `HTTPResult`) or straight from `CatalogService.respond(to:)` (the route
/// suites' `RouteResponse`): each gives status, body and header lookup, and gets the rest here.
public protocol TestResponse {
    var status: Int { get }
    var body: [UInt8] { get }
    /// The first header with this name (case-insensitive).
    func header(_ name: String) -> String?
}

extension TestResponse {
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (throws if it is not JSON).
    public var json: JSONValue {
        get throws { try JSONParser.parse(body) }
    }

    /// A member of a JSON object body.
    public subscript(member: String) -> JSONValue? {
        guard case .object(let object)? = try? json else { return nil }
        return object[member]
    }

    /// The `field` names in a 422's `errors`.
    public var errorFields: [String] {
        guard case .array(let errors)? = self["errors"] else { return [] }
        return errors.compactMap { error in
            if case .object(let object) = error, case .string(let field)? = object["field"] { return field }
            return nil
        }
    }
}

/// A signed-in caller in a test: who, with what password, and the token to send.
public struct TestAccount: Sendable {
    public let id: Int64
    public let email: String
    public let password: String
    public let token: String
    public var headers: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    public init(id: Int64, email: String, password: String, token: String) {
        self.id = id
        self.email = email
        self.password = password
        self.token = token
    }
}
