import Core
import Foundation
import Testing

/// Account safety, end to end: changing one's own email or password needs the current
/// password; password work runs only after every cheap check; the last admin stays.
@Suite(.serialized) struct AccountSafetyTests {
    /// What a PATCH may change, read straight from PostgreSQL, for "nothing changed" checks.
    private static func row(_ id: Int64) throws -> [String?] {
        let result = try TestStack.database().query(
            "SELECT email, password_hash, token_version::text, role, updated_at::text FROM users WHERE id = \(id)")
        guard let row = result.first else { return [] }
        return try (0..<5).map { try row.optionalString($0) }
    }

    private static func patch(_ id: Int64, _ body: JSONValue, _ headers: [(String, String)]) throws -> HTTPResult {
        try HTTP.send("PATCH", "/users/\(id)", json: body, headers: headers)
    }

    /// CPU seconds the pool's workers have used so far (utime + stime from /proc), the
    /// direct way to see whether a request ran scrypt, unlike wall time on a shared machine.
    private static func workersCPUSeconds() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return TestStack.children(of: TestStack.masterPID).reduce(0) { total, pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return total }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
            return total + (user + system) / ticks
        }
    }

    private static func cpu(_ body: () throws -> Void) rethrows -> Double {
        let before = workersCPUSeconds()
        try body()
        return workersCPUSeconds() - before
    }

    @Test func ownPasswordChangeNeedsTheCurrentPassword() throws {
        let user = try Auth.newUser("ownpass")
        let before = try Self.row(user.id)

        let missing = try Self.patch(user.id, ["password": "a new password here"], user.headers)
        Fixtures.expectProblem(missing, 403)
        #expect(missing["detail"]?.encodedString.contains("current_password") == true, "\(missing.text)")
        let wrong = try Self.patch(user.id, ["password": "a new password here", "current_password": "not my password"], user.headers)
        Fixtures.expectProblem(wrong, 403)
        #expect(wrong["detail"]?.encodedString.contains("current_password") == true, "\(wrong.text)")
        #expect(try Self.row(user.id) == before, "refused changes change nothing")

        let right = try Self.patch(user.id, ["password": "a new password here", "current_password": .string(user.password)], user.headers)
        #expect(right.status == 200, "\(right.text)")
        #expect(try Self.row(user.id)[1] != before[1])
        _ = try Auth.login(email: user.email, password: "a new password here")
    }

    @Test func ownEmailChangeNeedsTheCurrentPassword() throws {
        let user = try Auth.newUser("ownmail")
        let newEmail = "\(TestStack.uniqueTag("moved"))@example.com"
        let before = try Self.row(user.id)

        Fixtures.expectProblem(try Self.patch(user.id, ["email": .string(newEmail)], user.headers), 403)
        Fixtures.expectProblem(try Self.patch(user.id, ["email": .string(newEmail), "current_password": "not my password"], user.headers), 403)
        #expect(try Self.row(user.id) == before)

        let right = try Self.patch(user.id, ["email": .string(newEmail), "current_password": .string(user.password)], user.headers)
        #expect(right.status == 200, "\(right.text)")
        #expect(right["email"] == .string(newEmail))
        #expect(try Self.row(user.id)[0] == newEmail)

        // A name change is not a credential change: no current_password needed.
        #expect(try Self.patch(user.id, ["name": "Renamed"], user.headers).status == 200)
    }

    @Test func anAdminChangesAnotherUsersPasswordAndEmailWithoutIt() throws {
        let user = try Auth.newUser("managed")
        let newEmail = "\(TestStack.uniqueTag("reset"))@example.com"
        let changed = try Self.patch(user.id, ["password": "set by the admin", "email": .string(newEmail)], Auth.admin)
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed["email"] == .string(newEmail))
        _ = try Auth.login(email: newEmail, password: "set by the admin")
    }

    @Test func anEmailOfAnotherAccountIs409AndChangesNothing() throws {
        let taken = try Auth.newUser("taken")
        let user = try Auth.newUser("mover")
        let before = try Self.row(user.id)
        let response = try Self.patch(user.id, ["email": .string(taken.email.uppercased()), "current_password": .string(user.password)], user.headers)
        Fixtures.expectProblem(response, 409)
        #expect(Fixtures.errorFields(response) == ["email"])
        #expect(try Self.row(user.id) == before)
    }

    /// Every cheap refusal of a password change (stale `If-Match`, bad body, missing
    /// `current_password`, a role change by a user) answers without running scrypt: the
    /// workers spend less CPU on all of them together than on one verification.
    @Test func cheapRefusalsComeBeforeAnyPasswordWork() throws {
        let user = try Auth.newUser("cheap")
        let etag = try #require(try HTTP.get("/users/\(user.id)", headers: user.headers).header("ETag"))
        let change: JSONValue = ["password": "a new password here", "current_password": .string(user.password)]
        let before = try Self.row(user.id)

        let oneVerification = try Self.cpu {
            Fixtures.expectProblem(try Self.patch(user.id, ["password": "a new password here", "current_password": "not my password"], user.headers), 403)
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
                "12 cheap refusals used \(refusals) s of worker CPU (\(elapsed) s wall), one scrypt verification \(oneVerification) s")
        #expect(try Self.row(user.id) == before, "nothing changed")

        // The same change with the current tag goes through.
        let done = try Self.patch(user.id, change, user.headers + [("If-Match", etag)])
        #expect(done.status == 200, "\(done.text)")
    }

    /// The bootstrap admin is the stack's only admin: it can be neither demoted nor deleted.
    /// With a second admin, either can be demoted, and an admin changing their own
    /// password needs the current one like anybody else.
    @Test func theLastAdminStaysAndASecondAdminCanGo() throws {
        let db = try TestStack.database()
        let adminID = try db.query("SELECT id FROM users WHERE email = \(TestStack.required("CATALOG_ADMIN_EMAIL"))").first!.int64(0)
        let admins = try db.query("SELECT count(*) FROM users WHERE role = 'admin'").first!.int64(0)
        try #require(admins == 1, "the stack starts with one admin (found \(admins)); this test demotes only when it is the last")
        let before = try Self.row(adminID)

        let demote = try Self.patch(adminID, ["role": "user"], Auth.admin)
        Fixtures.expectProblem(demote, 409)
        #expect(demote["detail"]?.encodedString.contains("last admin") == true, "\(demote.text)")
        Fixtures.expectProblem(try HTTP.send("DELETE", "/users/\(adminID)", headers: Auth.admin), 409)
        #expect(try Self.row(adminID) == before, "the last admin is unchanged")
        #expect(try HTTP.get("/users", headers: Auth.admin).status == 200, "and still an admin")

        // An admin's own password change needs the current password too.
        Fixtures.expectProblem(try Self.patch(adminID, ["password": "not going to happen"], Auth.admin), 403)
        Fixtures.expectProblem(try Self.patch(adminID, ["email": "elsewhere@example.com"], Auth.admin), 403)

        let second = try Auth.newUser("second")
        #expect(try Self.patch(second.id, ["role": "admin"], Auth.admin).status == 200)
        let secondToken = try Auth.login(email: second.email, password: second.password)
        let secondHeaders = [("Authorization", "Bearer \(secondToken)")]
        Fixtures.expectProblem(try Self.patch(second.id, ["password": "second admin's new one"], secondHeaders), 403)
        let own = try Self.patch(second.id, ["password": "second admin's new one", "current_password": .string(second.password)], secondHeaders)
        #expect(own.status == 200, "\(own.text)")

        let demoted = try Self.patch(second.id, ["role": "user"], Auth.admin)
        #expect(demoted.status == 200, "\(demoted.text)")
        #expect(demoted["role"] == "user")
        #expect(try db.query("SELECT count(*) FROM users WHERE role = 'admin'").first!.int64(0) == 1)
        #expect(try HTTP.send("DELETE", "/users/\(second.id)", headers: Auth.admin).status == 204)
    }
}
