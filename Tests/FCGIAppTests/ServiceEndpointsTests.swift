import Core
import Testing

/// `/`, `/healthz`, `/readyz`, `/openapi.json`, request ids, and routing errors, end to end.
@Suite struct ServiceEndpointsTests {
    @Test func welcomeNamesTheServiceAndLinksTheDocs() throws {
        let response = try HTTP.get("/")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response["name"] == "Catalog")
        #expect(response["docs"] == "/docs")
        #expect(response["openapi"] == "/openapi.json")
        #expect(response["version"] == .string(CatalogVersion.current))
    }

    @Test func livenessAndReadiness() throws {
        let health = try HTTP.get("/healthz")
        #expect(health.status == 200)
        #expect(health["status"] == "ok")
        let ready = try HTTP.get("/readyz")
        #expect(ready.status == 200)
        #expect(ready["status"] == "ready")
    }

    @Test func requestIDIsEchoedOrGenerated() throws {
        let echoed = try HTTP.get("/healthz", headers: [("X-Request-ID", "client-id_42.a")])
        #expect(echoed.header("X-Request-ID") == "client-id_42.a")
        #expect(echoed.headers(named: "X-Request-ID").count == 1)

        let generated = try HTTP.get("/healthz")
        let id = try #require(generated.header("X-Request-ID"))
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))

        let hostile = try HTTP.get("/healthz", headers: [("X-Request-ID", String(repeating: "x", count: 300))])
        #expect(hostile.header("X-Request-ID")?.count == 32, "an over-long id is replaced")

        let onError = try HTTP.get("/no/such/route", headers: [("X-Request-ID", "trace-404")])
        #expect(onError.header("X-Request-ID") == "trace-404")
    }

    @Test func requestIDAppearsInTheServiceLog() throws {
        let id = TestStack.uniqueTag("logged")
        _ = try HTTP.get("/products?limit=1", headers: [("X-Request-ID", id)])
        let logPath = TestStack.required("CATALOG_LOG_FILE")
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(log.split(separator: "\n").contains { $0.contains("request_id=\(id)") && $0.contains("status=200") })
    }

    @Test func unknownRoutesAndBadIdsAre404Problems() throws {
        for path in ["/nope", "/products/abc", "/products/0", "/products/-1", "/products/99999999999999999999",
                     "/products/1.5", "/products/%31", "/products/1/nope", "/products/"] {
            let response = try HTTP.get(path)
            Fixtures.expectProblem(response, 404)
        }
    }

    @Test func knownPathWithWrongMethodIs405WithAllow() throws {
        let collection = try HTTP.send("DELETE", "/products")
        Fixtures.expectProblem(collection, 405)
        #expect(collection.header("Allow") == "GET, HEAD, POST")
        let item = try HTTP.send("POST", "/products/1")
        Fixtures.expectProblem(item, 405)
        #expect(item.header("Allow") == "GET, HEAD, PUT, PATCH, DELETE")
        let health = try HTTP.send("POST", "/healthz")
        #expect(health.status == 405)
        #expect(health.header("Allow") == "GET, HEAD")
    }

    @Test func methodsNginxRefusesItselfStillGetTheirAllowHeader() throws {
        // nginx rejects TRACE before any location; its 405 is handed to the application,
        // which knows the path's methods.
        let trace = try HTTP.send("TRACE", "/products")
        Fixtures.expectProblem(trace, 405)
        #expect(trace.header("Allow") == "GET, HEAD, POST")
    }

    @Test func headIsServedWithoutABody() throws {
        let response = try HTTP.send("HEAD", "/healthz")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test func openAPIDocumentDescribesEveryRouteOfTheRunningService() throws {
        let response = try HTTP.get("/openapi.json")
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
        #expect(try HTTP.get("/openapi.json", headers: [("If-None-Match", etag)]).status == 304)
    }
}
