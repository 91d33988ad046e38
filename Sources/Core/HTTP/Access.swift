/// Who may call a route. The responder enforces it before the handler runs, and the
/// OpenAPI document declares it, from the same value.
public enum Access: Sendable, Equatable {
    /// Anyone, without a token.
    case everyone
    /// Any signed-in user (a valid bearer token).
    case signedIn
    /// Signed-in users with the `admin` role.
    case admin
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

/// A user's role.
public enum Role: String, Sendable, CaseIterable, PostgresTextDecodable {
    case admin
    case user
}

/// Turns a request's credentials into a principal. Implemented by the accounts module
/// (bearer JWTs checked against the users table); the responder only calls it for routes
/// that are not public.
public protocol RequestAuthenticator {
    /// The caller, or an `APIError.unauthorized` when the credentials are missing or invalid.
    func authenticate(_ request: Request, database: Database) throws -> Principal
}
