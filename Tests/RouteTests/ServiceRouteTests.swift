import Core
import Testing

/// `/`, `/healthz`, `/readyz`, `/openapi.json`, request ids, and routing errors,
/// in-process. (The request id nginx picks, the log file, HEAD without a body and
/// nginx's own 405 are the end-to-end `ServiceEndpointsTests` and `RequestIDAPITests`.)
@Suite struct ServiceRouteTests {
    static let app = RouteApp(suite: "service")
    var app: RouteApp { Self.app }

    @Test func welcomeNamesTheServiceAndLinksTheDocs() throws {
        let response = app.get("/")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response["name"] == "Catalog")
        #expect(response["docs"] == "/docs")
        #expect(response["openapi"] == "/openapi.json")
        #expect(response["version"] == .string(CatalogVersion.current))
    }

    @Test func livenessAndReadiness() throws {
        let health = app.get("/healthz")
        #expect(health.status == 200)
        #expect(health["status"] == "ok")
        let ready = app.get("/readyz")
        #expect(ready.status == 200)
        #expect(ready["status"] == "ready")
    }

    @Test func requestIDIsEchoedOrGenerated() throws {
        let echoed = app.get("/healthz", headers: [("X-Request-ID", "client-id_42.a")])
        #expect(echoed.header("X-Request-ID") == "client-id_42.a")
        #expect(echoed.headers(named: "X-Request-ID").count == 1)

        let generated = app.get("/healthz")
        let id = try #require(generated.header("X-Request-ID"))
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))

        let hostile = app.get("/healthz", headers: [("X-Request-ID", String(repeating: "x", count: 300))])
        #expect(hostile.header("X-Request-ID")?.count == 32, "an over-long id is replaced")

        let onError = app.get("/no/such/route", headers: [("X-Request-ID", "trace-404")])
        #expect(onError.header("X-Request-ID") == "trace-404")
    }

    @Test func unknownRoutesAndBadIdsAre404Problems() throws {
        for path in ["/nope", "/products/abc", "/products/0", "/products/-1", "/products/99999999999999999999",
                     "/products/1.5", "/products/%31", "/products/1/nope", "/products/"] {
            let response = app.get(path)
            Expect.problem(response, 404)
        }
    }

    @Test func knownPathWithWrongMethodIs405WithAllow() throws {
        let collection = app.send("DELETE", "/products")
        Expect.problem(collection, 405)
        #expect(collection.header("Allow") == "GET, HEAD, POST")
        let item = app.send("POST", "/products/1")
        Expect.problem(item, 405)
        #expect(item.header("Allow") == "GET, HEAD, PUT, PATCH, DELETE")
        let health = app.send("POST", "/healthz")
        #expect(health.status == 405)
        #expect(health.header("Allow") == "GET, HEAD")
    }

    @Test func openAPIDocumentDescribesEveryRouteOfTheRunningService() throws {
        let response = app.get("/openapi.json")
        #expect(response.status == 200)
        #expect(response["openapi"] == "3.1.0")
        guard case .object(let paths)? = response["paths"] else {
            Issue.record("no paths in the document")
            return
        }
        let expected: [String: Set<String>] = [
            "/": ["get"], "/healthz": ["get"], "/readyz": ["get"], "/openapi.json": ["get"], "/metrics": ["get"],
            "/products": ["get", "post"], "/products/{id}": ["get", "put", "patch", "delete"],
            "/products/{id}/offers": ["get"], "/products/{id}/price-history": ["get"], "/products/{id}/price-trend": ["get"],
            "/register": ["post"], "/auth/login": ["post"], "/users/me": ["get"], "/users": ["get"],
            "/users/{id}": ["get", "patch", "delete"],
            "/authors": ["get", "post"], "/authors/{id}": ["get"], "/authors/{id}/books": ["get"],
            "/books": ["get", "post"], "/books/{id}": ["get", "put", "delete"],
        ]
        #expect(Set(paths.keys) == Set(expected.keys))
        for (path, methods) in expected {
            guard case .object(let item)? = paths[path] else { continue }
            #expect(Set(item.keys) == methods, "\(path)")
        }
        // ETag on the document too: a client may cache it.
        let etag = try #require(response.header("ETag"))
        #expect(app.get("/openapi.json", headers: [("If-None-Match", etag)]).status == 304)
    }
}
