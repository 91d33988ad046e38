import Core
import Logging
import Testing

/// The OpenAPI document and the router's table describe the same API, and the document
/// covers the API contract's products section.
@Suite struct OpenAPIRouteTableTests {
    private let service = CatalogService(
        configuration: ServiceConfiguration(databaseURL: "postgres://unused@127.0.0.1:1/none"),
        logger: Logger(label: "test"))

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() throws {
        guard case .object(let document) = service.openAPIDocument, case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var documented: Set<String> = []
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        let routed = Set(service.router.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(documented == routed)
    }

    @Test func everyOperationHasAnIdResponsesAndTheStandardErrors() throws {
        guard case .object(let document) = service.openAPIDocument, case .object(let paths)? = document["paths"] else { return }
        var ids: Set<String> = []
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                guard case .object(let op) = operation, case .string(let id)? = op["operationId"], case .object(let responses)? = op["responses"] else {
                    Issue.record("\(method) \(path) is incomplete")
                    continue
                }
                #expect(ids.insert(id).inserted, "duplicate operationId \(id)")
                if path.contains("{") { #expect(responses["404"] != nil, "\(method) \(path) documents 404") }
                if op["requestBody"] != nil {
                    for code in ["400", "413", "415", "422"] { #expect(responses[code] != nil, "\(method) \(path) documents \(code)") }
                }
                #expect(responses.keys.contains { $0.hasPrefix("2") || $0 == "304" }, "\(method) \(path) has a success response")
            }
        }
    }

    /// The service refuses an integer parameter past its range (an id past `Int64.max`
    /// is a 404 in a path, a 422 in a query), so the document must bound every one, or a
    /// client (and Schemathesis) may send a value the schema calls valid and get refused.
    @Test func everyIntegerParameterIsBoundedOnBothSides() throws {
        guard case .object(let document) = service.openAPIDocument, case .object(let paths)? = document["paths"] else { return }
        var checked = 0
        for (path, item) in paths.members {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations.members {
                guard case .object(let op) = operation, case .array(let parameters)? = op["parameters"] else { continue }
                for case .object(let parameter) in parameters {
                    guard case .object(let schema)? = parameter["schema"], schema["type"] == "integer" else { continue }
                    checked += 1
                    let name = parameter["name"].map { "\($0)" } ?? "?"
                    #expect(schema["minimum"] != nil && schema["maximum"] != nil, "\(method) \(path) parameter \(name) is bounded")
                }
            }
        }
        #expect(checked >= 10)
    }

    @Test func schemaReferencesResolve() throws {
        guard case .object(let document) = service.openAPIDocument,
              case .object(let components)? = document["components"],
              case .object(let schemas)? = components["schemas"]
        else { return }
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for (key, member) in object.members {
                    if key == "$ref", case .string(let ref) = member { references.append(ref) } else { collect(member) }
                }
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(service.openAPIDocument)
        #expect(!references.isEmpty)
        for ref in references {
            let name = String(ref.dropFirst("#/components/schemas/".count))
            #expect(schemas[name] != nil, "\(ref) resolves")
        }
    }
}
