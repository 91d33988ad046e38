import Core
import Testing

/// The products and offers routes through nginx and a worker: reachable, with what the
/// service sets arriving intact. Their behaviour (statuses, headers, bodies, stored rows)
/// is tested in-process: `RouteTests/ProductsRouteTests` and `OffersRouteTests`.
@Suite struct ProductsAPITests {
    @Test func productRoutesAreReachableThroughNginx() throws {
        let name = TestStack.uniqueTag("smoke")
        let created = try HTTP.send("POST", "/products", json: ["name": .string(name), "price": .number("19.99")], headers: Auth.admin)
        #expect(created.status == 201, "\(created.text)")
        guard case .number(let id)? = created["id"] else {
            Issue.record("no id: \(created.text)")
            return
        }
        #expect(created.header("Location") == "/products/\(id)")
        #expect(created["price"] == .number("19.99"))

        let read = try HTTP.get("/products/\(id)")
        #expect(read.status == 200)
        #expect(read["name"] == .string(name))
        let etag = try #require(read.header("ETag"))
        #expect(try HTTP.get("/products/\(id)", headers: [("If-None-Match", etag)]).status == 304)
        let offers = try HTTP.get("/products/\(id)/offers")
        #expect(offers.status == 200 && offers.text == "[]", "\(offers.text)")
        let list = try HTTP.get("/products?q=\(name)")
        #expect(list.status == 200 && list.text.contains(name), "\(list.text)")

        let patched = try HTTP.send("PATCH", "/products/\(id)", json: ["price": 2], headers: Auth.admin + [("If-Match", etag)])
        #expect(patched.status == 200, "\(patched.text)")
        Fixtures.expectProblem(try HTTP.send("PUT", "/products/\(id)", json: ["name": "x", "price": 1], headers: Auth.admin + [("If-Match", etag)]), 412)
        #expect(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin).status == 204)
        Fixtures.expectProblem(try HTTP.get("/products/\(id)", headers: [("Cache-Control", "no-cache")]), 404)
    }
}
