import Core
import Foundation
import Testing
import TestSupport

/// Signed-in callers for route tests.
///
/// Registration and sign-in are tested through their routes (`AccountsRouteTests`); the
/// accounts other tests only need are fixtures: a row in `users` with a password hash
/// made once per process, and a token signed with the suite service's key, as
/// `POST /auth/login` would sign it. That saves two scrypt runs per account, and the
/// password still works for the routes that ask for it (`current_password`, login).
extension RouteApp {
    typealias Account = TestAccount

    /// The password of every fixture account.
    static let fixturePassword = "correct horse battery"
    private static let fixtureHash = PasswordHasher().hash(fixturePassword)

    /// A short random tag that keeps one test's rows apart from another's.
    static func uniqueTag(_ prefix: String = "t") -> String {
        prefix + "-" + Hex.encode(SecureRandom.bytes(5))
    }

    /// A new user (role `user`, or `admin`) with the fixture password, and a token for them.
    func newUser(_ label: String = "user", role: String = "user") throws -> Account {
        let email = "\(Self.uniqueTag(label))@example.com"
        let row = try database().query("INSERT INTO users (email, name, password_hash, role) VALUES (\(email), \(label), \(Self.fixtureHash), \(role)) RETURNING id")
        let id = try row.first!.int64(0)
        return Account(id: id, email: email, password: Self.fixturePassword, token: try token(for: id))
    }

    /// A token for user `id` as login issues it: its current role and token version.
    func token(for id: Int64) throws -> String {
        let row = try #require(try database().query("SELECT role, token_version FROM users WHERE id = \(id)").first)
        let now = Int64(Date().timeIntervalSince1970)
        return JWTSigner(secret: authSettings.secret, issuer: authSettings.issuer).sign(JWTClaims(
            subject: String(id), role: try row.string(0), issuedAt: now, expiresAt: now + Int64(authSettings.tokenLifetimeSeconds),
            issuer: authSettings.issuer, version: try row.int64(1)))
    }

    /// Signs in through `POST /auth/login`; returns the token, or throws with the answer.
    func login(email: String, password: String) throws -> String {
        let response = patient("POST", "/auth/login", json: ["email": .string(email), "password": .string(password)])
        guard response.status == 200, case .string(let token)? = response["access_token"] else {
            throw RouteFailure("login \(email): \(response.status) \(response.text)")
        }
        return token
    }

    /// The suite's first admin (a fixture account with role `admin`, made on first use).
    var adminAccount: Account { bootstrapAdmin() }
    /// `Authorization` for the suite's first admin.
    var admin: [(String, String)] { adminAccount.headers }
}

struct RouteFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
