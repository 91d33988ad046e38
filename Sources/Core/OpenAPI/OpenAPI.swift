import HTTPTypes

/// Building blocks of the OpenAPI 3.1 document.
public enum OpenAPI {
    /// `{"$ref": "#/components/schemas/<name>"}`.
    public static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// An array of the named schema.
    public static func arrayOf(_ name: String) -> JSONValue { ["type": "array", "items": ref(name)] }

    /// A resource id wherever it appears (path, query, body): a positive 64-bit integer,
    /// bounded on both sides, since a value past `Int64.max` is refused like any other
    /// invalid id and a schema without the bound would call it valid.
    public static let idSchema: JSONValue = ["type": "integer", "format": "int64", "minimum": 1, "maximum": .number(String(Int64.max))]

    /// A resource-id path parameter: a positive 64-bit integer.
    public static func pathID(_ name: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "description": "A positive integer id.", "schema": idSchema]
    }

    /// A text field as the service reads it: length in Unicode code points, and no NUL
    /// (PostgreSQL text cannot hold it; `FieldReader.string` refuses it with a 422).
    public static func text(minLength: Int = 0, maxLength: Int, format: String? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "string"]
        if let format { schema["format"] = .string(format) }
        if minLength > 0 { schema["minLength"] = .int(minLength) }
        schema["maxLength"] = .int(maxLength)
        schema["pattern"] = .string(noNUL)
        return .object(schema)
    }

    /// `^[^\x00]*$`: any text without NUL.
    public static let noNUL = "^[^\\x00]*$"

    public static func queryParameter(_ name: String, _ description: String, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
    }

    public static func headerParameter(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": ["type": "string"]]
    }

    /// `limit` and `cursor` of every collection.
    public static let pagingParameters: [JSONValue] = [
        queryParameter("limit", "Page size (default \(PageRequest.defaultLimit)).",
                       schema: ["type": "integer", "minimum": 1, "maximum": .int(PageRequest.maximumLimit), "default": .int(PageRequest.defaultLimit)]),
        queryParameter("cursor", "Opaque cursor from the previous page's `Link: rel=\"next\"` header (format `page-cursor`); anything else is a 422.",
                       schema: ["type": "string", "format": "page-cursor", "minLength": 1]),
    ]

    static func header(_ name: String) -> JSONValue {
        let descriptions = [
            "X-Request-ID": "Correlation id of the request (the client's, or generated); it is in the service's log line.",
            "ETag": "Strong entity tag of the representation.",
            "Location": "URL of the created resource.",
            "Link": "RFC 8288 link to the next page (`rel=\"next\"`), present when more items exist.",
            "Retry-After": "Seconds to wait before retrying.",
            "WWW-Authenticate": "The authentication scheme (`Bearer`).",
            "Allow": "The methods the path supports.",
            "Cache-Control": "`public, s-maxage=N, stale-while-revalidate=M, stale-if-error=M` on anonymous answers nginx may cache; `private` when the request carried credentials.",
            "X-Cache-Status": "nginx's response cache: `HIT`, `MISS`, `EXPIRED`, `STALE`, `UPDATING`, `BYPASS` (credentials or `Cache-Control: no-cache`).",
        ]
        return ["description": .string(descriptions[name] ?? name), "schema": ["type": "string"]]
    }

    /// A problem+json response for `code`, with the headers that status carries.
    public static func problemResponse(_ code: Int) -> JSONValue {
        let status = HTTPResponse.Status(code: code)
        var headers: JSONObject = ["X-Request-ID": header("X-Request-ID")]
        switch code {
        case 401: headers["WWW-Authenticate"] = header("WWW-Authenticate")
        case 405: headers["Allow"] = header("Allow")
        case 503: headers["Retry-After"] = header("Retry-After")
        default: break
        }
        return [
            "description": .string(status.reasonPhrase),
            "headers": .object(headers),
            "content": ["application/problem+json": ["schema": ref("Problem")]],
        ]
    }

    /// Schemas shared by every module.
    public static let sharedSchemas: [(String, JSONValue)] = [
        ("Problem", [
            "type": "object",
            "description": "An RFC 9457 problem document.",
            "required": ["type", "title", "status"],
            "properties": [
                "type": ["type": "string"],
                "title": ["type": "string"],
                "status": ["type": "integer"],
                "detail": ["type": "string"],
                "errors": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": ["field": ["type": "string"], "message": ["type": "string"]],
                    ],
                ],
            ],
        ]),
    ]
}
