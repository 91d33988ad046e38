import Core
import Testing

/// Malformed, oversized and invalid input: the right problem document, no leaks, and
/// nothing changed in the database.
@Suite struct BadInputTests {
    private let json = [("Content-Type", "application/json")]

    @Test func malformedJSONIs400() throws {
        for body in ["{", "{\"name\": }", "nul", "{\"a\":1,}", "{'a':1}", "", "{\"name\":\"x\"} trailing"] {
            let response = try HTTP.send("POST", "/products", headers: Auth.admin + json, body: Array(body.utf8))
            Fixtures.expectProblem(response, 400)
        }
    }

    @Test func nonJSONContentTypeIs415() throws {
        let response = try HTTP.send("POST", "/products", headers: Auth.admin + [("Content-Type", "text/plain")], body: Array("{}".utf8))
        Fixtures.expectProblem(response, 415)
        let none = try HTTP.send("POST", "/products", headers: Auth.admin, body: Array("{}".utf8))
        Fixtures.expectProblem(none, 415)
    }

    @Test func validationFailuresAre422WithFieldErrors() throws {
        let cases: [(JSONValue, [String])] = [
            (["name": "", "price": 1], ["name"]),
            (["name": .string(String(repeating: "n", count: 201)), "price": 1], ["name"]),
            (["name": "ok", "price": -1], ["price"]),
            (["name": "ok", "price": .number("1.005")], ["price"]),
            (["name": "ok", "price": "19.99"], ["price"]),
            (["name": "ok", "price": .number("10000000000")], ["price"]),
            (["name": "ok", "price": .number("1e400")], ["price"]),
            (["name": "ok"], ["price"]),
            (["price": 1], ["name"]),
            (["name": 5, "price": 1], ["name"]),
            (["name": "ok", "price": 1, "id": 7], ["id"]),
            (["name": "ok", "price": 1, "description": .string(String(repeating: "d", count: 10_001))], ["description"]),
            (["name": "a\u{0}b", "price": 1], ["name"]),
            ([1, 2], ["body"]),
            ("just a string", ["body"]),
        ]
        for (body, fields) in cases {
            let response = try HTTP.send("POST", "/products", json: body, headers: Auth.admin)
            Fixtures.expectProblem(response, 422)
            #expect(Fixtures.errorFields(response) == fields, "\(body.encodedString) → \(response.text)")
            #expect(response["type"] == "/problems/validation")
        }
        // Several problems are reported together.
        let many = try HTTP.send("POST", "/products", json: ["name": "", "price": -5, "colour": "red"], headers: Auth.admin)
        #expect(Set(Fixtures.errorFields(many)) == ["name", "price", "colour"])
    }

    @Test func bodyOverTheLimitIs413ProblemJSON() throws {
        let big = Array("{\"name\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1_100_000) + Array("\",\"price\":1}".utf8)
        let response = try HTTP.send("POST", "/products", headers: Auth.admin + json, body: big)
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response["status"] == 413)
    }

    @Test func badInputLeavesTheDatabaseUnchanged() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("unchanged"), description: "original", price: "7.77")
        let countBefore = try Fixtures.productCount()
        let rowBefore = try Fixtures.productRow(id)

        let nul = Array("{\"name\":\"evil\\u0000name\",\"price\":1}".utf8)
        let big = Array("{\"name\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: 1_100_000) + Array("\",\"price\":1}".utf8)
        let attempts: [(String, String, [(String, String)], [UInt8])] = [
            ("POST", "/products", json, Array("{".utf8)),
            ("POST", "/products", json, nul),
            ("POST", "/products", json, big),
            ("POST", "/products", json, Array("{\"name\":\"x\",\"price\":99999999999999999999999}".utf8)),
            ("POST", "/products", [("Content-Type", "text/plain")], Array("{\"name\":\"x\",\"price\":1}".utf8)),
            ("PUT", "/products/\(id)", json, nul),
            ("PUT", "/products/\(id)", json, big),
            ("PUT", "/products/\(id)", json, Array("{\"name\":\"x\",\"price\":-1}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("{\"price\":\"free\"}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("{\"name\":\"\"}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("[]".utf8)),
        ]
        for (method, path, headers, body) in attempts {
            let response = try HTTP.send(method, path, headers: Auth.admin + headers, body: body)
            #expect((400...499).contains(response.status), "\(method) \(path) → \(response.status)")
            Fixtures.expectNoLeak(response)
        }
        #expect(try Fixtures.productCount() == countBefore)
        #expect(try Fixtures.productRow(id) == rowBefore)
    }
}
