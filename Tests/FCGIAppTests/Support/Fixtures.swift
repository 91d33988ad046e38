import Core
import Testing
import TestSupport

/// Helpers that create data through the public API, as a client would.
enum Fixtures {
    /// Creates a product and returns its id; the test fails if the API refuses.
    @discardableResult
    static func createProduct(name: String, description: String = "", price: String = "9.99") throws -> Int64 {
        let response = try HTTP.send("POST", "/products", json: ["name": .string(name), "description": .string(description), "price": .number(price)], headers: Auth.admin)
        try #require(response.status == 201, "create product: \(response.status) \(response.text)")
        guard case .number(let id)? = response["id"], let value = Int64(id) else {
            Issue.record("no id in \(response.text)")
            throw HTTP.Failure(description: "no id")
        }
        return value
    }

    /// One product row as text columns, for "nothing changed" assertions.
    static func productRow(_ id: Int64) throws -> [String?] {
        let result = try TestStack.database().query(
            "SELECT name, description, price::text, updated_at::text FROM products WHERE id = \(id)")
        guard let row = result.first else { return [] }
        return try (0..<4).map { try row.optionalString($0) }
    }

    /// Asserts an RFC 9457 problem document with this status (`ResponseExpectations`).
    static func expectProblem(_ response: HTTPResult, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for fault in ResponseExpectations.problemFaults(response, status) { Issue.record(Comment(rawValue: fault), sourceLocation: sourceLocation) }
    }

    /// The `field` names in a 422's `errors`.
    static func errorFields(_ response: HTTPResult) -> [String] {
        response.errorFields
    }
}
