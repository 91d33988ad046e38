import Core
import Testing

/// The service endpoints through nginx and a worker: reachable; the request id in the
/// worker's log; nginx's own 405; HEAD answered without a body (the worker drops it).
/// What the service answers on each is `RouteTests/ServiceRouteTests` (in-process).
@Suite struct ServiceEndpointsTests {
    @Test func serviceEndpointsAreReachableThroughNginx() throws {
        for path in ["/", "/healthz", "/readyz", "/openapi.json"] {
            let response = try HTTP.get(path)
            #expect(response.status == 200, "\(path): \(response.status)")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8", "\(path)")
        }
        Fixtures.expectProblem(try HTTP.get("/nope"), 404)
        let wrongMethod = try HTTP.send("DELETE", "/products")
        Fixtures.expectProblem(wrongMethod, 405)
        #expect(wrongMethod.header("Allow") == "GET, HEAD, POST")
    }

    /// A request the service answers with a problem is logged at the default level, with
    /// its id (`CatalogService.requestLogLevel`; fast successes are `debug`).
    @Test func requestIDAppearsInTheServiceLog() throws {
        let id = TestStack.uniqueTag("logged")
        #expect(try HTTP.get("/products/9223372036854775807", headers: [("X-Request-ID", id)]).status == 404)
        let logPath = TestStack.required("CATALOG_LOG_FILE")
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(log.split(separator: "\n").contains { $0.contains("request_id=\(id)") && $0.contains("status=404") })
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
}
