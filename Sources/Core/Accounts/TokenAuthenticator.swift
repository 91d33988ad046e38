import Foundation

/// Issues access tokens and authenticates bearer tokens.
///
/// A token is an HS256 JWT carrying the user id (`sub`), role, issue and expiry times,
/// issuer, and the user's token version (`ver`). Every authenticated request checks the
/// token against the users table: a deleted user, a changed role or a changed password
/// (each of which changes the stored state or version) makes older tokens fail with 401.
/// That costs one indexed lookup per authenticated request, on the worker's connection.
public struct TokenAuthenticator: RequestAuthenticator {
    public let signer: JWTSigner
    /// Token lifetime in seconds (`expires_in`).
    public let lifetime: Int64

    public init(settings: AuthSettings) {
        signer = JWTSigner(secret: settings.secret, issuer: settings.issuer)
        lifetime = Int64(settings.tokenLifetimeSeconds)
    }

    /// A fresh token for `user`.
    func issue(for user: User, tokenVersion: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) -> String {
        signer.sign(JWTClaims(subject: String(user.id), role: user.role.rawValue, issuedAt: now, expiresAt: now + lifetime,
                              issuer: signer.issuer, version: tokenVersion))
    }

    public func authenticate(_ request: Request, database: Database) throws -> Principal {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("This operation requires a bearer token (Authorization: Bearer <token>).")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("The Authorization header must be: Bearer <token>.")
        }
        let claims: JWTClaims
        do {
            claims = try signer.verify(String(parts[1]).trimmingWhitespace(), now: Int64(Date().timeIntervalSince1970))
        } catch {
            throw APIError.unauthorized(error == .expired ? "The token has expired." : "The token is invalid.")
        }
        guard let userID = ResourceID.parse(claims.subject) else { throw APIError.unauthorized("The token is invalid.") }
        let state = try database.read { db in try UserStore.tokenState(db, id: userID) }
        guard let state, state.tokenVersion == claims.version, state.role.rawValue == claims.role else {
            throw APIError.unauthorized("The token is no longer valid; sign in again.")
        }
        return Principal(userID: userID, role: state.role)
    }
}

/// Token settings from the environment.
public struct AuthSettings: Sendable {
    /// `CATALOG_JWT_SECRET`: the HMAC key, at least 32 bytes.
    public var secret: [UInt8]
    /// `CATALOG_TOKEN_TTL`: seconds a token lives (default 900).
    public var tokenLifetimeSeconds: Int
    /// `CATALOG_JWT_ISSUER`: the `iss` claim (default `catalog`).
    public var issuer: String

    public static let minimumSecretBytes = 32

    public init(secret: [UInt8], tokenLifetimeSeconds: Int = 900, issuer: String = "catalog") {
        self.secret = secret
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.issuer = issuer
    }
}
