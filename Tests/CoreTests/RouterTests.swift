import Core
import HTTPTypes
import Logging
import Testing

@Suite struct RouterTests {
    private func router() -> Router {
        var router = Router()
        let op = Operation("x", "x", tags: [])
        router.add(.get, "/items", op) { _, _ in Response(status: .ok, body: Array("list".utf8)) }
        router.add(.post, "/items", op) { _, _ in Response(status: .created) }
        router.add(.get, "/items/{id}", op) { _, context in Response(status: .ok, body: Array(String(context.parameters.id()).utf8)) }
        router.add(.delete, "/items/{id}", op) { _, _ in .noContent }
        router.add(.get, "/items/{id}/parts/{part}", op) { _, _ in Response(status: .ok) }
        return router
    }

    @Test func matchesLiteralsAndTypedIds() {
        guard case .matched(_, let parameters, let route) = router().resolve(.get, "/items/42") else {
            Issue.record("no match")
            return
        }
        #expect(parameters.id() == 42)
        #expect(route.path == "/items/{id}")
        guard case .matched(_, let nested, _) = router().resolve(.get, "/items/7/parts/9") else {
            Issue.record("no match")
            return
        }
        #expect(nested.id("id") == 7 && nested.id("part") == 9)
    }

    @Test(arguments: ["/items/abc", "/items/0", "/items/-3", "/items/007", "/items/9223372036854775808", "/items/1e3",
                      "/items/ 1", "/items/", "/nothing", "/items/1/parts", "/items/1/extra/2"])
    func nonMatchingPathsAre404(_ path: String) {
        guard case .notFound = router().resolve(.get, path) else {
            Issue.record("\(path) should be 404")
            return
        }
    }

    @Test func largestIdMatches() {
        guard case .matched(_, let parameters, _) = router().resolve(.get, "/items/9223372036854775807") else {
            Issue.record("Int64.max is a valid id")
            return
        }
        #expect(parameters.id() == Int64.max)
    }

    @Test func wrongMethodListsAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = router().resolve(.put, "/items/1") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.get, .head, .delete])
        guard case .methodNotAllowed(let collection) = router().resolve(.patch, "/items") else {
            Issue.record("expected 405")
            return
        }
        #expect(collection == [.get, .head, .post])
    }

    @Test func headUsesTheGetRoute() {
        guard case .matched(_, _, let route) = router().resolve(.head, "/items") else {
            Issue.record("HEAD should match GET")
            return
        }
        #expect(route.method == .get)
    }

    /// A route's access is the rule it was registered with, whatever its `Operation` was
    /// built with, and that rule runs before the handler: without a token a signed-in or
    /// admin route never reaches its handler (401), a public one never asks for a token.
    @Test func accessComesFromTheRegistrationAndRunsBeforeTheHandler() throws {
        var router = Router()
        let op = Operation("x", "x", tags: [])
        router.add(.get, "/open", op) { _, _ in Response(status: .ok) }
        router.add(.get, "/mine", .signedIn, op) { _, _, caller in Response(status: .ok, body: Array(String(caller.userID).utf8)) }
        router.add(.get, "/admin", .admin, op) { _, _, admin in Response(status: .ok, body: Array(String(admin.userID).utf8)) }
        #expect(router.routes.map(\.operation.access) == [.everyone, .signedIn, .admin])

        let database = Database(url: "postgres://unused@127.0.0.1:1/none", logger: Logger(label: "test"))
        let tokens = TokenAuthenticator(settings: AuthSettings(secret: Array("a test secret of thirty-two bytes".utf8)))
        guard case .matched(let open, _, _) = router.resolve(.get, "/open") else { Issue.record("no match"); return }
        _ = try open(Request(.get, "/open"), database, tokens)
        for path in ["/mine", "/admin"] {
            guard case .matched(let admission, _, _) = router.resolve(.get, path) else { Issue.record("no match"); return }
            #expect(throws: APIError.unauthorized("This operation requires a bearer token (Authorization: Bearer <token>).")) {
                _ = try admission(Request(.get, path), database, tokens)
            }
        }
    }
}
