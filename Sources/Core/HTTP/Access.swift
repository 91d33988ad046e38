/// Who may call a route, as the OpenAPI document declares it (`security`, `x-access`).
///
/// A route gets its `Access` only from the way it is registered (`Router.add` without a
/// rule is public; with an `AccessRule` it is that rule's), so the document, the check
/// and the handler's view of the caller cannot disagree.
public enum Access: Sendable, Equatable {
    /// Anyone, without a token.
    case everyone
    /// Any signed-in user (a valid bearer token).
    case signedIn
    /// Signed-in users with the `admin` role.
    case admin
}

/// The rule a non-public route is registered with, and what its handler is given: a
/// `Principal` for `.signedIn`, an `Admin` for `.admin`.
///
/// The caller is produced by the rule before the handler runs and handed to it as a
/// plain value, so a handler that needs a caller cannot be registered on a public route
/// (it would not compile), and none has to unwrap one.
public struct AccessRule<Caller> {
    public let access: Access
    /// 401 without valid credentials, 403 when the caller lacks the role.
    let admit: (Request, Database, any RequestAuthenticator) throws -> Caller
}

extension AccessRule where Caller == Principal {
    /// Any signed-in user (a valid bearer token).
    public static var signedIn: AccessRule<Principal> {
        AccessRule(access: .signedIn) { request, database, authenticator in
            try authenticator.authenticate(request, database: database)
        }
    }
}

extension AccessRule where Caller == Admin {
    /// Signed-in users with the `admin` role; others get 403.
    public static var admin: AccessRule<Admin> {
        AccessRule(access: .admin) { request, database, authenticator in
            let principal = try authenticator.authenticate(request, database: database)
            guard let admin = Admin(principal) else { throw APIError.forbidden("This operation requires the admin role.") }
            return admin
        }
    }
}

/// The authenticated caller of a request.
public struct Principal: Sendable, Equatable {
    public let userID: Int64
    public let role: Role

    public init(userID: Int64, role: Role) {
        self.userID = userID
        self.role = role
    }

    public var isAdmin: Bool { role == .admin }

    /// Whether the caller may act on resources belonging to `userID` (themself, or any as admin).
    public func mayActFor(userID other: Int64?) -> Bool {
        isAdmin || other == userID
    }
}

/// A caller known to have the `admin` role: only `AccessRule.admin` makes one, so a
/// handler that takes it runs for admins only.
public struct Admin: Sendable, Equatable {
    public let principal: Principal

    init?(_ principal: Principal) {
        guard principal.isAdmin else { return nil }
        self.principal = principal
    }

    public var userID: Int64 { principal.userID }
}

/// A user's role.
public enum Role: String, Sendable, CaseIterable, PostgresTextDecodable {
    case admin
    case user
}

/// Turns a request's credentials into a principal. Implemented by the accounts module
/// (bearer JWTs checked against the users table); only the access rules of routes that
/// are not public call it.
public protocol RequestAuthenticator {
    /// The caller, or an `APIError.unauthorized` when the credentials are missing or invalid.
    func authenticate(_ request: Request, database: Database) throws -> Principal
}
