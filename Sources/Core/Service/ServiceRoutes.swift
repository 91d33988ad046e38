/// The service's own endpoints: welcome, liveness, readiness and the OpenAPI document.
public enum ServiceRoutes {
    /// Registers the routes; `document` is filled once every module has registered its
    /// routes, since the OpenAPI document describes the finished table.
    static func register(in router: inout Router, document: OpenAPIBody, instrumentation: ServiceInstrumentation?) {
        router.add(.get, "/", Operation("welcome", "Service name, version and links", tags: ["service"])
            .noDatabase()
            .response(200, "Welcome.", schema: OpenAPI.ref("Welcome"))) { _, _ in
            .json([
                "name": "Catalog",
                "version": .string(CatalogVersion.current),
                "docs": "/docs",
                "openapi": "/openapi.json",
            ])
        }

        router.add(.get, "/healthz", Operation("liveness", "Liveness: the worker answers", tags: ["service"])
            .noDatabase()
            .response(200, "The worker is alive.", schema: OpenAPI.ref("Status"))) { _, _ in
            .json(["status": "ok"])
        }

        router.add(.get, "/readyz", Operation("readiness", "Readiness: the database answers", tags: ["service"])
            .describe("`ready` when the primary answers; `read_only` when only a read replica does (anonymous reads are served, writes are 503); each database endpoint with its state.")
            .response(200, "Ready to serve (all of it, or anonymous reads only).", schema: OpenAPI.ref("Readiness"))) { _, context in
            let endpoints = DatabaseEndpoints.check(context.database)
            guard endpoints.primaryUp || endpoints.anyReplicaUp else {
                context.logger.warning("readiness check failed: no database endpoint answers")
                throw APIError.serviceUnavailable("The database is not answering.", retryAfter: 2)
            }
            return .json(["status": .string(endpoints.primaryUp ? "ready" : "read_only"), "databases": endpoints.json])
        }

        router.add(.get, "/metrics", Operation("metrics", "Prometheus metrics of the worker pool", tags: ["service"])
            .noDatabase()
            .describe("Prometheus text format. nginx serves it to loopback clients only.")
            .response(200, "Metrics in Prometheus text format (version 0.0.4).", schema: ["type": "string"], contentType: "text/plain")) { _, context in
            let pool = instrumentation?.metricsExposition() ?? "# HELP catalog_up Whether the service answers.\n# TYPE catalog_up gauge\ncatalog_up 1\n"
            // No 503 here even without a database (hence noDatabase()): the offers' freshness is left out instead.
            let text = pool + DatabaseEndpoints.check(context.database).exposition + OfferFreshness.exposition(context.database)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.utf8))
        }

        router.add(.get, "/openapi.json", Operation("openapi", "This OpenAPI 3.1 document", tags: ["service"])
            .cacheable()
            .noDatabase()
            .response(200, "The OpenAPI document.", schema: ["type": "object"])) { _, _ in
            Response(status: .ok, headers: [.contentType: Response.jsonContentType, .eTag: document.etag], body: document.bytes)
        }
    }

    static let schemas: [(String, JSONValue)] = [
        ("Welcome", [
            "type": "object",
            "required": ["name", "version", "docs", "openapi"],
            "properties": ["name": ["type": "string"], "version": ["type": "string"],
                           "docs": ["type": "string"], "openapi": ["type": "string"]],
        ]),
        ("Status", [
            "type": "object", "required": ["status"], "properties": ["status": ["type": "string"]],
        ]),
        ("Readiness", [
            "type": "object", "required": ["status", "databases"],
            "properties": [
                "status": ["type": "string", "enum": ["ready", "read_only"]],
                "databases": ["type": "array", "items": [
                    "type": "object", "required": ["name", "role", "state"],
                    "properties": ["name": ["type": "string"], "role": ["type": "string", "enum": ["primary", "replica"]],
                                   "state": ["type": "string"], "lag_bytes": ["type": "integer"]],
                ]],
            ],
        ]),
    ]
}

/// The serialised OpenAPI document, computed once per process after the routes exist.
final class OpenAPIBody {
    var bytes: [UInt8] = []
    var etag = ""
}

/// The version reported by `/` and the OpenAPI document.
public enum CatalogVersion {
    public static let current = "0.1.0"
}
