import Core
import Foundation
import Testing

/// Registration, sign-in, tokens and the users routes in-process on the suite's own database:
/// changing one's own email or password needs the current password, password work runs
/// only after every cheap check, the last admin stays. (nginx's rate limits on the
/// password routes are the end-to-end `AccountsAPITests` and `PasswordProtectionTests`.)
@Suite(.serialized) struct AccountsRouteTests {
    static let app = RouteApp(suite: "accounts")
    var app: RouteApp { Self.app }

    /// What a PATCH may change, read straight from PostgreSQL, for "nothing changed" checks.
    private static func row(_ id: Int64) throws -> [String?] {
        let result = try app.database().query("SELECT email, password_hash, token_version::text, role, updated_at::text FROM users WHERE id = \(id)")
        guard let row = result.first else { return [] }
        return try (0..<5).map { try row.optionalString($0) }
    }

    private static func patch(_ id: Int64, _ body: JSONValue, _ headers: [(String, String)]) throws -> RouteResponse {
        app.send("PATCH", "/users/\(id)", json: body, headers: headers)
    }

    /// CPU seconds this process has used so far (user + system, every thread: the
    /// service hashes on a thread of its own), the direct way to see whether a request ran
    /// scrypt, unlike wall time on a shared machine.
    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func cpu(_ body: () throws -> Void) rethrows -> Double {
        let before = processCPUSeconds()
        try body()
        return processCPUSeconds() - before
    }

    @Test func ownPasswordChangeNeedsTheCurrentPassword() throws {
        let user = try app.newUser("ownpass")
        let before = try Self.row(user.id)

        let missing = try Self.patch(user.id, ["password": "a new password here"], user.headers)
        Expect.problem(missing, 403)
        #expect(missing["detail"]?.encodedString.contains("current_password") == true, "\(missing.text)")
        let wrong = try Self.patch(user.id, ["password": "a new password here", "current_password": "not my password"], user.headers)
        Expect.problem(wrong, 403)
        #expect(wrong["detail"]?.encodedString.contains("current_password") == true, "\(wrong.text)")
        #expect(try Self.row(user.id) == before, "refused changes change nothing")

        let right = try Self.patch(user.id, ["password": "a new password here", "current_password": .string(user.password)], user.headers)
        #expect(right.status == 200, "\(right.text)")
        #expect(try Self.row(user.id)[1] != before[1])
        _ = try app.login(email: user.email, password: "a new password here")
    }

    @Test func ownEmailChangeNeedsTheCurrentPassword() throws {
        let user = try app.newUser("ownmail")
        let newEmail = "\(RouteApp.uniqueTag("moved"))@example.com"
        let before = try Self.row(user.id)

        Expect.problem(try Self.patch(user.id, ["email": .string(newEmail)], user.headers), 403)
        Expect.problem(try Self.patch(user.id, ["email": .string(newEmail), "current_password": "not my password"], user.headers), 403)
        #expect(try Self.row(user.id) == before)

        let right = try Self.patch(user.id, ["email": .string(newEmail), "current_password": .string(user.password)], user.headers)
        #expect(right.status == 200, "\(right.text)")
        #expect(right["email"] == .string(newEmail))
        #expect(try Self.row(user.id)[0] == newEmail)

        // A name change is not a credential change: no current_password needed.
        #expect(try Self.patch(user.id, ["name": "Renamed"], user.headers).status == 200)
    }

    @Test func anAdminChangesAnotherUsersPasswordAndEmailWithoutIt() throws {
        let user = try app.newUser("managed")
        let newEmail = "\(RouteApp.uniqueTag("reset"))@example.com"
        let changed = try Self.patch(user.id, ["password": "set by the admin", "email": .string(newEmail)], app.admin)
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed["email"] == .string(newEmail))
        _ = try app.login(email: newEmail, password: "set by the admin")
    }

    @Test func anEmailOfAnotherAccountIs409AndChangesNothing() throws {
        let taken = try app.newUser("taken")
        let user = try app.newUser("mover")
        let before = try Self.row(user.id)
        let response = try Self.patch(user.id, ["email": .string(taken.email.uppercased()), "current_password": .string(user.password)], user.headers)
        Expect.problem(response, 409)
        #expect(Expect.errorFields(response) == ["email"])
        #expect(try Self.row(user.id) == before)
    }

    /// Every cheap refusal of a password change (stale `If-Match`, bad body, missing
    /// `current_password`, a role change by a user) answers without running scrypt: the
    /// service spends less CPU on all of them together than on one verification.
    @Test func cheapRefusalsComeBeforeAnyPasswordWork() throws {
        let user = try app.newUser("cheap")
        let etag = try #require(app.get("/users/\(user.id)", headers: user.headers).header("ETag"))
        let change: JSONValue = ["password": "a new password here", "current_password": .string(user.password)]
        let before = try Self.row(user.id)

        let oneVerification = try Self.cpu {
            Expect.problem(try Self.patch(user.id, ["password": "a new password here", "current_password": "not my password"], user.headers), 403)
        }
        var statuses: [Int] = []
        let started = Date()
        let refusals = try Self.cpu {
            for _ in 0..<2 {
                statuses.append(try Self.patch(user.id, change, user.headers + [("If-Match", "\"0000000000000000\"")]).status)
                statuses.append(try Self.patch(user.id, ["password": "short", "current_password": .string(user.password)], user.headers).status)
                statuses.append(try Self.patch(user.id, ["password": "a new password here", "current_password": .string(user.password), "bogus": 1], user.headers).status)
                statuses.append(try Self.patch(user.id, ["current_password": .string(user.password)], user.headers).status)
                statuses.append(try Self.patch(user.id, ["password": "a new password here"], user.headers).status)
                statuses.append(try Self.patch(user.id, ["password": "a new password here", "current_password": .string(user.password), "role": "admin"], user.headers).status)
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(statuses == Array(repeating: [412, 422, 422, 422, 403, 403], count: 2).flatMap { $0 })
        #expect(oneVerification >= 0.02, "a verification costs measurable CPU (\(oneVerification) s)")
        #expect(refusals < oneVerification / 2,
                "12 cheap refusals used \(refusals) s of CPU (\(elapsed) s wall), one scrypt verification \(oneVerification) s")
        #expect(try Self.row(user.id) == before, "nothing changed")

        // The same change with the current tag goes through.
        let done = try Self.patch(user.id, change, user.headers + [("If-Match", etag)])
        #expect(done.status == 200, "\(done.text)")
    }

    /// The bootstrap admin is the suite's only admin: it can be neither demoted nor deleted.
    /// With a second admin, either can be demoted, and an admin changing their own
    /// password needs the current one like anybody else.
    @Test func theLastAdminStaysAndASecondAdminCanGo() throws {
        let db = try app.database()
        let adminID = app.adminAccount.id
        let admins = try db.query("SELECT count(*) FROM users WHERE role = 'admin'").first!.int64(0)
        try #require(admins == 1, "the suite starts with one admin (found \(admins)); this test demotes only when it is the last")
        let before = try Self.row(adminID)

        let demote = try Self.patch(adminID, ["role": "user"], app.admin)
        Expect.problem(demote, 409)
        #expect(demote["detail"]?.encodedString.contains("last admin") == true, "\(demote.text)")
        Expect.problem(app.send("DELETE", "/users/\(adminID)", headers: app.admin), 409)
        #expect(try Self.row(adminID) == before, "the last admin is unchanged")
        #expect(app.get("/users", headers: app.admin).status == 200, "and still an admin")

        // An admin's own password change needs the current password too.
        Expect.problem(try Self.patch(adminID, ["password": "not going to happen"], app.admin), 403)
        Expect.problem(try Self.patch(adminID, ["email": "elsewhere@example.com"], app.admin), 403)

        let second = try app.newUser("second")
        #expect(try Self.patch(second.id, ["role": "admin"], app.admin).status == 200)
        let secondToken = try app.login(email: second.email, password: second.password)
        let secondHeaders = [("Authorization", "Bearer \(secondToken)")]
        Expect.problem(try Self.patch(second.id, ["password": "second admin's new one"], secondHeaders), 403)
        let own = try Self.patch(second.id, ["password": "second admin's new one", "current_password": .string(second.password)], secondHeaders)
        #expect(own.status == 200, "\(own.text)")

        let demoted = try Self.patch(second.id, ["role": "user"], app.admin)
        #expect(demoted.status == 200, "\(demoted.text)")
        #expect(demoted["role"] == "user")
        #expect(try db.query("SELECT count(*) FROM users WHERE role = 'admin'").first!.int64(0) == 1)
        #expect(app.send("DELETE", "/users/\(second.id)", headers: app.admin).status == 204)
    }

    @Test func registerLoginAndReadMe() throws {
        let email = "\(RouteApp.uniqueTag("Reader"))@Example.COM"
        let registered = app.patient("POST", "/register", json: ["email": .string(email), "password": "s3cret-pass", "name": "Reader"])
        #expect(registered.status == 201)
        let id = try #require(registered["id"])
        #expect(registered.header("Location") == "/users/\(id.encodedString)")
        #expect(registered["email"] == .string(email.lowercased()), "emails are normalised")
        #expect(registered["role"] == "user")
        #expect(registered["password"] == nil && registered["password_hash"] == nil)
        #expect(!registered.text.contains("scrypt"))

        let login = app.patient("POST", "/auth/login", json: ["email": .string(email.uppercased()), "password": "s3cret-pass"])
        #expect(login.status == 200)
        #expect(login["token_type"] == "bearer")
        #expect(login["expires_in"] == 900)
        guard case .string(let token)? = login["access_token"] else { Issue.record("no token"); return }
        #expect(token.split(separator: ".").count == 3)

        let me = app.get("/users/me", headers: [("Authorization", "Bearer \(token)")])
        #expect(me.status == 200)
        #expect(me["id"] == id)
        #expect(Set(try #require({ if case .object(let o) = try me.json { return o.keys } else { return nil } }())) ==
                ["id", "email", "name", "role", "created_at", "updated_at"])

        let stored = try app.database().query("SELECT password_hash FROM users WHERE email = \(email.lowercased())")
        #expect(try stored.first!.string(0).hasPrefix("$scrypt$"), "only a hash is stored")
    }

    @Test func duplicateEmailInAnyCaseIs409() throws {
        let user = try app.newUser("dup")
        let again = app.patient("POST", "/register", json: ["email": .string(user.email.uppercased()), "password": "another-pass", "name": "Dup"])
        Expect.problem(again, 409)
        #expect(Expect.errorFields(again) == ["email"])
    }

    @Test func registrationValidation() throws {
        let cases: [(JSONValue, [String])] = [
            (["email": "a@example.com", "password": "short", "name": "x"], ["password"]),
            (["email": "not-an-email", "password": "long enough", "name": "x"], ["email"]),
            (["email": "a@b", "password": "long enough", "name": "x"], ["email"]),
            (["email": "a@example.com", "password": "long enough", "name": ""], ["name"]),
            (["password": "long enough", "name": "x"], ["email"]),
            (["email": "a@example.com", "password": "long enough", "name": "x", "role": "admin"], ["role"]),
        ]
        for (body, fields) in cases {
            let response = app.patient("POST", "/register", json: body)
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == fields, "\(body.encodedString): \(response.text)")
        }
        Expect.problem(app.patient("POST", "/register", headers: [("Content-Type", "application/json")], body: Array("{".utf8)), 400)
    }

    @Test func wrongPasswordAndUnknownEmailAreIndistinguishable() throws {
        let user = try app.newUser("login")
        let wrongPassword = app.patient("POST", "/auth/login", json: ["email": .string(user.email), "password": "wrong password"])
        let unknownEmail = app.patient("POST", "/auth/login", json: ["email": .string("nobody-\(user.email)"), "password": "wrong password"])
        Expect.problem(wrongPassword, 401)
        Expect.problem(unknownEmail, 401)
        #expect(wrongPassword.text == unknownEmail.text)
        #expect(wrongPassword.header("WWW-Authenticate") == "Bearer")

        // About the same time: the unknown email is hashed against a dummy.
        func timed(email: String) throws -> Double {
            let start = Date()
            _ = app.patient("POST", "/auth/login", json: ["email": .string(email), "password": "nope nope"])
            return Date().timeIntervalSince(start)
        }
        var known: [Double] = [], unknown: [Double] = []
        for _ in 0..<3 {
            known.append(try timed(email: user.email))
            unknown.append(try timed(email: "x\(user.email)"))
        }
        let ratio = known.sorted()[1] / unknown.sorted()[1]
        #expect(ratio > 0.5 && ratio < 2, "median login times: known \(known) unknown \(unknown)")
    }

    @Test func usersSeeOnlyThemselves() throws {
        let alice = try app.newUser("alice")
        let bob = try app.newUser("bob")
        #expect(app.get("/users/\(alice.id)", headers: alice.headers).status == 200)
        Expect.problem(app.get("/users/\(bob.id)", headers: alice.headers), 403)
        Expect.problem(app.send("PATCH", "/users/\(bob.id)", json: ["name": "hacked"], headers: alice.headers), 403)
        Expect.problem(app.send("DELETE", "/users/\(bob.id)", headers: alice.headers), 403)
        Expect.problem(app.get("/users", headers: alice.headers), 403)
        Expect.problem(app.get("/users/999999999", headers: alice.headers), 403)
        let bobRow = try app.database().query("SELECT name FROM users WHERE id = \(bob.id)")
        #expect(try bobRow.first!.string(0) == "bob")

        let renamed = app.send("PATCH", "/users/\(alice.id)", json: ["name": "Alice A."], headers: alice.headers)
        #expect(renamed.status == 200)
        #expect(renamed["name"] == "Alice A.")
    }

    @Test func aUserCannotPromoteThemself() throws {
        let user = try app.newUser("climber")
        let response = app.send("PATCH", "/users/\(user.id)", json: ["role": "admin"], headers: user.headers)
        Expect.problem(response, 403)
        let role = try app.database().query("SELECT role FROM users WHERE id = \(user.id)")
        #expect(try role.first!.string(0) == "user")
    }

    @Test func adminListsLooksUpPromotesAndDeletesUsers() throws {
        let user = try app.newUser("managed")
        let list = app.get("/users?limit=1", headers: app.admin)
        #expect(list.status == 200)
        #expect(list.header("Link")?.contains("rel=\"next\"") == true)
        let lookup = app.get("/users?email=\(PercentEncoding.encode(user.email.uppercased()))", headers: app.admin)
        guard case .array(let found) = try lookup.json else { Issue.record("not an array"); return }
        #expect(found.count == 1)
        #expect(app.get("/users/\(user.id)", headers: app.admin).status == 200)
        Expect.problem(app.get("/users/999999999", headers: app.admin), 404)

        let promoted = app.send("PATCH", "/users/\(user.id)", json: ["role": "admin"], headers: app.admin)
        #expect(promoted["role"] == "admin")
        Expect.problem(app.get("/users/me", headers: user.headers), 401)  // role change: old token invalid
        let fresh = try app.login(email: user.email, password: user.password)
        #expect(app.get("/users", headers: [("Authorization", "Bearer \(fresh)")]).status == 200)

        #expect(app.send("DELETE", "/users/\(user.id)", headers: app.admin).status == 204)
        Expect.problem(app.get("/users/\(user.id)", headers: app.admin), 404)
        Expect.problem(app.get("/users/me", headers: [("Authorization", "Bearer \(fresh)")]), 401)
        #expect(try app.database().query("SELECT 1 FROM users WHERE id = \(user.id)").rowCount == 0)
    }

    @Test func usersCanDeleteThemselves() throws {
        let user = try app.newUser("leaver")
        #expect(app.send("DELETE", "/users/\(user.id)", headers: user.headers).status == 204)
        Expect.problem(app.get("/users/me", headers: user.headers), 401)
    }

    @Test func badTokensAre401() throws {
        let user = try app.newUser("tokens")
        let parts = user.token.split(separator: ".").map(String.init)
        let secret = app.authSettings.secret
        let now = Int64(Date().timeIntervalSince1970)
        func forge(header: JSONValue, claims: JSONValue, secret: [UInt8]) -> String {
            let input = Base64URL.encode(header.encoded) + "." + Base64URL.encode(claims.encoded)
            return input + "." + JWTSigner.signature(signingInput: Array(input.utf8), secret: secret)
        }
        let validClaims: JSONValue = ["sub": .string(String(user.id)), "role": "user", "iat": .int(now), "exp": .int(now + 600), "iss": "catalog", "ver": 1]
        #expect(app.get("/users/me", headers: [("Authorization", "Bearer \(forge(header: ["alg": "HS256", "typ": "JWT"], claims: validClaims, secret: secret))")]).status == 200,
                "a correctly forged token with the real secret is accepted (the test's forging is right)")
        let expiredClaims: JSONValue = ["sub": .string(String(user.id)), "role": "user", "iat": .int(now - 4000), "exp": .int(now - 3000), "iss": "catalog", "ver": 1]
        let adminClaims: JSONValue = ["sub": .string(String(user.id)), "role": "admin", "iat": .int(now), "exp": .int(now + 600), "iss": "catalog", "ver": 1]
        let bad: [String: String] = [
            "expired": forge(header: ["alg": "HS256"], claims: expiredClaims, secret: secret),
            "other secret": forge(header: ["alg": "HS256"], claims: validClaims, secret: Array("another secret that is long enough!!".utf8)),
            "alg none": Base64URL.encode((["alg": "none"] as JSONValue).encoded) + "." + Base64URL.encode(validClaims.encoded) + ".",
            "alg HS512": forge(header: ["alg": "HS512"], claims: validClaims, secret: secret),
            "truncated": parts[0] + "." + parts[1],
            "cut signature": parts[0] + "." + parts[1] + "." + parts[2].dropLast(4),
            "garbage": "not.a.token",
            "role escalation": forge(header: ["alg": "HS256"], claims: adminClaims, secret: Array("wrong".utf8)),
        ]
        for (name, token) in bad {
            let response = app.get("/users/me", headers: [("Authorization", "Bearer \(token)")])
            Expect.problem(response, 401)
            #expect(response.header("WWW-Authenticate") == "Bearer", "\(name)")
        }
        Expect.problem(app.get("/users/me"), 401)
        Expect.problem(app.get("/users/me", headers: [("Authorization", "Basic dXNlcjpwYXNz")]), 401)
    }

    @Test func aPasswordChangeInvalidatesEarlierTokens() throws {
        let user = try app.newUser("rotate")
        let changed = app.send("PATCH", "/users/\(user.id)", json: ["password": "a brand new password", "current_password": .string(user.password)],
                                    headers: user.headers)
        #expect(changed.status == 200)
        Expect.problem(app.get("/users/me", headers: user.headers), 401)
        Expect.problem(app.patient("POST", "/auth/login", json: ["email": .string(user.email), "password": .string(user.password)]), 401)
        let token = try app.login(email: user.email, password: "a brand new password")
        #expect(app.get("/users/me", headers: [("Authorization", "Bearer \(token)")]).status == 200)
    }
}
