import Core
import Foundation
import Testing

/// Registration, login, tokens and user management, end to end through nginx.
@Suite(.serialized) struct AccountsAPITests {
    @Test func registerLoginAndReadMe() throws {
        let email = "\(TestStack.uniqueTag("Reader"))@Example.COM"
        let registered = try HTTP.patient("POST", "/register", json: ["email": .string(email), "password": "s3cret-pass", "name": "Reader"])
        #expect(registered.status == 201)
        let id = try #require(registered["id"])
        #expect(registered.header("Location") == "/users/\(id.encodedString)")
        #expect(registered["email"] == .string(email.lowercased()), "emails are normalised")
        #expect(registered["role"] == "user")
        #expect(registered["password"] == nil && registered["password_hash"] == nil)
        #expect(!registered.text.contains("scrypt"))

        let login = try HTTP.patient("POST", "/auth/login", json: ["email": .string(email.uppercased()), "password": "s3cret-pass"])
        #expect(login.status == 200)
        #expect(login["token_type"] == "bearer")
        #expect(login["expires_in"] == 900)
        guard case .string(let token)? = login["access_token"] else { Issue.record("no token"); return }
        #expect(token.split(separator: ".").count == 3)

        let me = try HTTP.get("/users/me", headers: [("Authorization", "Bearer \(token)")])
        #expect(me.status == 200)
        #expect(me["id"] == id)
        #expect(Set(try #require({ if case .object(let o) = try me.json { return o.keys } else { return nil } }())) ==
                ["id", "email", "name", "role", "created_at", "updated_at"])

        let stored = try TestStack.database().query("SELECT password_hash FROM users WHERE email = \(email.lowercased())")
        #expect(try stored.first!.string(0).hasPrefix("$scrypt$"), "only a hash is stored")
    }

    @Test func duplicateEmailInAnyCaseIs409() throws {
        let user = try Auth.newUser("dup")
        let again = try HTTP.patient("POST", "/register", json: ["email": .string(user.email.uppercased()), "password": "another-pass", "name": "Dup"])
        Fixtures.expectProblem(again, 409)
        #expect(Fixtures.errorFields(again) == ["email"])
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
            let response = try HTTP.patient("POST", "/register", json: body)
            Fixtures.expectProblem(response, 422)
            #expect(Fixtures.errorFields(response) == fields, "\(body.encodedString): \(response.text)")
        }
        Fixtures.expectProblem(try HTTP.patient("POST", "/register", headers: [("Content-Type", "application/json")], body: Array("{".utf8)), 400)
    }

    @Test func wrongPasswordAndUnknownEmailAreIndistinguishable() throws {
        let user = try Auth.newUser("login")
        let wrongPassword = try HTTP.patient("POST", "/auth/login", json: ["email": .string(user.email), "password": "wrong password"])
        let unknownEmail = try HTTP.patient("POST", "/auth/login", json: ["email": .string("nobody-\(user.email)"), "password": "wrong password"])
        Fixtures.expectProblem(wrongPassword, 401)
        Fixtures.expectProblem(unknownEmail, 401)
        #expect(wrongPassword.text == unknownEmail.text)
        #expect(wrongPassword.header("WWW-Authenticate") == "Bearer")

        // About the same time: the unknown email is hashed against a dummy.
        func timed(email: String) throws -> Double {
            let start = Date()
            _ = try HTTP.patient("POST", "/auth/login", json: ["email": .string(email), "password": "nope nope"])
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
        let alice = try Auth.newUser("alice")
        let bob = try Auth.newUser("bob")
        #expect(try HTTP.get("/users/\(alice.id)", headers: alice.headers).status == 200)
        Fixtures.expectProblem(try HTTP.get("/users/\(bob.id)", headers: alice.headers), 403)
        Fixtures.expectProblem(try HTTP.send("PATCH", "/users/\(bob.id)", json: ["name": "hacked"], headers: alice.headers), 403)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/users/\(bob.id)", headers: alice.headers), 403)
        Fixtures.expectProblem(try HTTP.get("/users", headers: alice.headers), 403)
        Fixtures.expectProblem(try HTTP.get("/users/999999999", headers: alice.headers), 403)
        let bobRow = try TestStack.database().query("SELECT name FROM users WHERE id = \(bob.id)")
        #expect(try bobRow.first!.string(0) == "bob")

        let renamed = try HTTP.send("PATCH", "/users/\(alice.id)", json: ["name": "Alice A."], headers: alice.headers)
        #expect(renamed.status == 200)
        #expect(renamed["name"] == "Alice A.")
    }

    @Test func aUserCannotPromoteThemself() throws {
        let user = try Auth.newUser("climber")
        let response = try HTTP.send("PATCH", "/users/\(user.id)", json: ["role": "admin"], headers: user.headers)
        Fixtures.expectProblem(response, 403)
        let role = try TestStack.database().query("SELECT role FROM users WHERE id = \(user.id)")
        #expect(try role.first!.string(0) == "user")
    }

    @Test func adminListsLooksUpPromotesAndDeletesUsers() throws {
        let user = try Auth.newUser("managed")
        let list = try HTTP.get("/users?limit=1", headers: Auth.admin)
        #expect(list.status == 200)
        #expect(list.header("Link")?.contains("rel=\"next\"") == true)
        let lookup = try HTTP.get("/users?email=\(PercentEncoding.encode(user.email.uppercased()))", headers: Auth.admin)
        guard case .array(let found) = try lookup.json else { Issue.record("not an array"); return }
        #expect(found.count == 1)
        #expect(try HTTP.get("/users/\(user.id)", headers: Auth.admin).status == 200)
        Fixtures.expectProblem(try HTTP.get("/users/999999999", headers: Auth.admin), 404)

        let promoted = try HTTP.send("PATCH", "/users/\(user.id)", json: ["role": "admin"], headers: Auth.admin)
        #expect(promoted["role"] == "admin")
        Fixtures.expectProblem(try HTTP.get("/users/me", headers: user.headers), 401)  // role change: old token invalid
        let fresh = try Auth.login(email: user.email, password: user.password)
        #expect(try HTTP.get("/users", headers: [("Authorization", "Bearer \(fresh)")]).status == 200)

        #expect(try HTTP.send("DELETE", "/users/\(user.id)", headers: Auth.admin).status == 204)
        Fixtures.expectProblem(try HTTP.get("/users/\(user.id)", headers: Auth.admin), 404)
        Fixtures.expectProblem(try HTTP.get("/users/me", headers: [("Authorization", "Bearer \(fresh)")]), 401)
        #expect(try TestStack.database().query("SELECT 1 FROM users WHERE id = \(user.id)").rowCount == 0)
    }

    @Test func usersCanDeleteThemselves() throws {
        let user = try Auth.newUser("leaver")
        #expect(try HTTP.send("DELETE", "/users/\(user.id)", headers: user.headers).status == 204)
        Fixtures.expectProblem(try HTTP.get("/users/me", headers: user.headers), 401)
    }

    @Test func productWritesNeedAnAdmin() throws {
        let body: JSONValue = ["name": "Guarded", "price": 1]
        let anonymous = try HTTP.send("POST", "/products", json: body)
        Fixtures.expectProblem(anonymous, 401)
        #expect(anonymous.header("WWW-Authenticate") == "Bearer")
        let user = try Auth.newUser("shopper")
        Fixtures.expectProblem(try HTTP.send("POST", "/products", json: body, headers: user.headers), 403)
        let created = try HTTP.send("POST", "/products", json: body, headers: Auth.admin)
        #expect(created.status == 201)
        let id = try #require(created["id"]).encodedString
        Fixtures.expectProblem(try HTTP.send("PATCH", "/products/\(id)", json: ["price": 2], headers: user.headers), 403)
        Fixtures.expectProblem(try HTTP.send("PUT", "/products/\(id)", json: body), 401)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/products/\(id)", headers: user.headers), 403)
        #expect(try HTTP.get("/products/\(id)").status == 200, "reads stay public")
        #expect(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin).status == 204)
    }

    @Test func badTokensAre401() throws {
        let user = try Auth.newUser("tokens")
        let parts = user.token.split(separator: ".").map(String.init)
        let secret = Array(TestStack.required("CATALOG_JWT_SECRET").utf8)
        let now = Int64(Date().timeIntervalSince1970)
        func forge(header: JSONValue, claims: JSONValue, secret: [UInt8]) -> String {
            let input = Base64URL.encode(header.encoded) + "." + Base64URL.encode(claims.encoded)
            return input + "." + JWTSigner.signature(signingInput: Array(input.utf8), secret: secret)
        }
        let validClaims: JSONValue = ["sub": .string(String(user.id)), "role": "user", "iat": .int(now), "exp": .int(now + 600), "iss": "catalog", "ver": 1]
        #expect(try HTTP.get("/users/me", headers: [("Authorization", "Bearer \(forge(header: ["alg": "HS256", "typ": "JWT"], claims: validClaims, secret: secret))")]).status == 200,
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
            let response = try HTTP.get("/users/me", headers: [("Authorization", "Bearer \(token)")])
            Fixtures.expectProblem(response, 401)
            #expect(response.header("WWW-Authenticate") == "Bearer", "\(name)")
        }
        Fixtures.expectProblem(try HTTP.get("/users/me"), 401)
        Fixtures.expectProblem(try HTTP.get("/users/me", headers: [("Authorization", "Basic dXNlcjpwYXNz")]), 401)
    }

    @Test func aPasswordChangeInvalidatesEarlierTokens() throws {
        let user = try Auth.newUser("rotate")
        let changed = try HTTP.send("PATCH", "/users/\(user.id)", json: ["password": "a brand new password", "current_password": .string(user.password)],
                                    headers: user.headers)
        #expect(changed.status == 200)
        Fixtures.expectProblem(try HTTP.get("/users/me", headers: user.headers), 401)
        Fixtures.expectProblem(try HTTP.patient("POST", "/auth/login", json: ["email": .string(user.email), "password": .string(user.password)]), 401)
        let token = try Auth.login(email: user.email, password: "a brand new password")
        #expect(try HTTP.get("/users/me", headers: [("Authorization", "Bearer \(token)")]).status == 200)
    }

    @Test func loginIsRateLimitedByNginx() throws {
        // Cheap requests (malformed bodies never reach the password hash) sent back to back:
        // past the burst, nginx answers 429 itself. The tighter of its two limits binds:
        // the ceiling on the password routes together (3 r/s, burst 6) before the
        // per-client one (10 r/s, burst 20).
        usleep(2_500_000)  // earlier tests' sign-ins drain from the ceiling's bucket (6 at 3 r/s)
        var statuses: [Int] = []
        var slowest = 0.0
        for _ in 0..<40 {
            let started = Date()
            statuses.append(try HTTP.send("POST", "/auth/login", headers: [("Content-Type", "application/json")], body: Array("{".utf8)).status)
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        #expect(statuses.contains(429), "\(statuses)")
        #expect(Set(statuses).isSubset(of: [400, 429]), "\(statuses)")
        #expect((7...21).contains(statuses.filter { $0 == 400 }.count), "the burst is let through, then refused: \(statuses)")
        #expect(slowest < 1, "refusals are immediate: \(slowest) s")
        let limited = try HTTP.send("POST", "/auth/login", headers: [("Content-Type", "application/json")], body: Array("{".utf8))
        if limited.status == 429 {
            #expect(limited.header("Content-Type") == "application/problem+json")
            #expect(limited.header("Retry-After") != nil)
        }
        usleep(3_000_000)  // let the buckets drain for the tests that follow
    }
}
