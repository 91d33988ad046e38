import Core
import Testing

/// Bad input that nginx answers before the service: a body over `client_max_body_size`
/// gets nginx's own 413, as problem+json. What the service answers to malformed,
/// invalid and oversized bodies is `RouteTests/ProductsRouteTests`.
@Suite struct BadInputTests {
    @Test func bodyOverTheLimitIs413ProblemJSON() throws {
        let big = Array("{\"name\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1_100_000) + Array("\",\"price\":1}".utf8)
        let response = try HTTP.send("POST", "/products", headers: Auth.admin + [("Content-Type", "application/json")], body: big)
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response["status"] == 413)
    }
}
