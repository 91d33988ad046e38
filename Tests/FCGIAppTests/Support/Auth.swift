import Core
import Foundation
import Testing
import TestSupport

/// Accounts for the end-to-end tests: the stack's bootstrap admin (created by
/// `catalog admin create` in scripts/stack.sh) and freshly registered users.
enum Auth {
    typealias Account = TestAccount

    /// `Authorization` for the bootstrap admin (logged in once per test process).
    static var admin: [(String, String)] { [("Authorization", "Bearer \(adminToken)")] }

    nonisolated(unsafe) private static var cachedAdminToken: String?
    private static let lock = NSLock()

    static var adminToken: String {
        lock.lock()
        defer { lock.unlock() }
        if let cachedAdminToken { return cachedAdminToken }
        let file = (try? String(contentsOfFile: TestStack.required("CATALOG_ADMIN_PASSWORD_FILE"), encoding: .utf8)) ?? ""
        let password = file.split(separator: "\n").first { $0.hasPrefix("password: ") }.map { String($0.dropFirst(10)) } ?? ""
        let token = (try? login(email: TestStack.required("CATALOG_ADMIN_EMAIL"), password: password)) ?? ""
        precondition(!token.isEmpty, "the bootstrap admin could not log in")
        cachedAdminToken = token
        return token
    }

    /// Logs in; returns the access token, or throws with the response when refused.
    static func login(email: String, password: String) throws -> String {
        let response = try HTTP.patient("POST", "/auth/login", json: ["email": .string(email), "password": .string(password)])
        guard response.status == 200, case .string(let token)? = response["access_token"] else {
            throw HTTP.Failure(description: "login \(email): \(response.status) \(response.text)")
        }
        return token
    }

    /// Registers a new user and logs them in.
    static func newUser(_ label: String = "user", password: String = "correct horse battery") throws -> Account {
        let email = "\(TestStack.uniqueTag(label))@example.com"
        let response = try HTTP.patient("POST", "/register", json: ["email": .string(email), "password": .string(password), "name": .string(label)])
        guard response.status == 201, case .number(let id)? = response["id"] else {
            throw HTTP.Failure(description: "register \(email): \(response.status) \(response.text)")
        }
        return Account(id: Int64(id)!, email: email, password: password, token: try login(email: email, password: password))
    }
}
