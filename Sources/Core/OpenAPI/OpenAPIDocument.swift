/// Assembles `/openapi.json` from the route table and the modules' schemas.
public enum OpenAPIDocument {
    public static func build(routes: [Route], schemas: [(String, JSONValue)], version: String) -> JSONValue {
        var paths = JSONObject()
        for route in routes {
            var item: JSONObject
            if case .object(let existing) = paths[route.path] { item = existing } else { item = JSONObject() }
            item[route.method.rawValue.lowercased()] = route.operation.json(path: route.path)
            paths[route.path] = .object(item)
        }
        var schemaObject = JSONObject()
        for (name, schema) in OpenAPI.sharedSchemas + schemas { schemaObject[name] = schema }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Catalog API",
                "version": .string(version),
                "description": "Products with live offers, user accounts, authors and books. Errors are RFC 9457 problem documents; collections are keyset-paged with `limit`/`cursor` and `Link: rel=\"next\"`.",
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemaObject),
                "securitySchemes": [
                    "bearerAuth": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description": "An access token from `POST /auth/login` (HS256 JWT, lifetime `expires_in` seconds).",
                    ],
                ],
            ],
        ]
    }
}
