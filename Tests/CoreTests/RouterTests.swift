import Core
import HTTPTypes
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
}
