import Core
import Foundation
import Testing

/// The account routes through nginx and a worker: reachable (registration, sign-in and a
/// token's use), and nginx's rate limit on the password routes. What the routes answer
/// (validation, tokens, who may see and change whom, the last admin, password work only
/// after the cheap checks) is `RouteTests/AccountsRouteTests` (in-process).
@Suite(.serialized) struct AccountsAPITests {
    @Test func registerLoginAndReadMeThroughNginx() throws {
        let user = try Auth.newUser("smoke")
        let me = try HTTP.get("/users/me", headers: user.headers)
        #expect(me.status == 200)
        #expect(me["id"] == .int(user.id))
        #expect(me["email"] == .string(user.email))
        Fixtures.expectProblem(try HTTP.get("/users/me"), 401)
        Fixtures.expectProblem(try HTTP.get("/users", headers: user.headers), 403)
        #expect(try HTTP.get("/users/\(user.id)", headers: Auth.admin).status == 200)
        #expect(try HTTP.send("DELETE", "/users/\(user.id)", headers: Auth.admin).status == 204)
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
