import Core
import Logging
import Testing

/// What the contract run (Schemathesis, scripts/contract.sh) found the document must say
/// about inputs, so that every schema-valid request is one the service accepts.
@Suite struct OpenAPIInputSchemaTests {
    private let document = CatalogService(
        configuration: ServiceConfiguration(databaseURL: "postgres://unused@127.0.0.1:1/none"),
        logger: Logger(label: "test")).openAPIDocument

    /// Every string schema reachable from request bodies and query parameters.
    private func inputStrings() -> [(String, JSONObject)] {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { return [] }
        var found: [(String, JSONObject)] = []
        func walk(_ value: JSONValue, _ at: String) {
            guard case .object(let object) = value else { return }
            if object["type"] == "string" || object["type"] == ["string", "null"] { found.append((at, object)) }
            if case .object(let properties)? = object["properties"] {
                for (name, schema) in properties.members { walk(schema, "\(at).\(name)") }
            }
        }
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                guard case .object(let op) = operation else { continue }
                let label = "\(method.uppercased()) \(path)"
                if case .object(let body)? = op["requestBody"], case .object(let content)? = body["content"],
                   case .object(let json)? = content["application/json"] {
                    walk(json["schema"] ?? .null, "\(label) body")
                }
                if case .array(let parameters)? = op["parameters"] {
                    for case .object(let parameter) in parameters where parameter["in"] == "query" {
                        guard case .string(let name)? = parameter["name"] else { continue }
                        walk(parameter["schema"] ?? .null, "\(label) ?\(name)")
                    }
                }
            }
        }
        return found
    }

    @Test func textInputsDeclareTheirLimitsAndRefuseNUL() {
        let strings = inputStrings()
        #expect(strings.count > 10)
        for (at, schema) in strings {
            // the service refuses NUL in text (PostgreSQL cannot store it): the document says so,
            // unless a format defines the exact shape (isbn, page-cursor, search-term: its pattern
            // refuses NUL as well, ProductSearchTests)
            if schema["format"] == "isbn" || schema["format"] == "page-cursor" || schema["format"] == "search-term" || schema["enum"] != nil { continue }
            #expect(schema["pattern"] == .string(OpenAPI.noNUL), "\(at) has the no-NUL pattern")
            #expect(schema["maxLength"] != nil, "\(at) has a maxLength")
        }
    }

    @Test func cursorsAndISBNsHaveTheirFormats() {
        let strings = inputStrings()
        #expect(strings.contains { $0.0.hasSuffix("?cursor") && $0.1["format"] == "page-cursor" })
        #expect(strings.contains { $0.0 == "POST /books body.isbn" && $0.1["format"] == "isbn" })
    }
}
