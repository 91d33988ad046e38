import Core
import Foundation
import Testing

/// What the contract run (Schemathesis, scripts/contract.sh) found, pinned down as
/// regular end-to-end tests, and the Swagger UI pages that nginx serves at /docs.
@Suite struct ContractAndDocsTests {
    @Test func aUserEmailLookupWithNULIsA422NotA500() throws {
        let response = try HTTP.get("/users?email=a%00b@example.com", headers: Auth.admin)
        Fixtures.expectProblem(response, 422)
        #expect(Fixtures.errorFields(response) == ["email"])
        let long = String(repeating: "a", count: 250) + "@example.com"
        #expect(Fixtures.errorFields(try HTTP.get("/users?email=\(long)", headers: Auth.admin)) == ["email"])
        let both = try HTTP.get("/users?email=%00&limit=0", headers: Auth.admin)
        #expect(Set(Fixtures.errorFields(both)) == ["email", "limit"])
    }

    @Test func integralNumbersAreIntegersAsJSONSchemaSays() throws {
        let user = try Auth.newUser("integral")
        let author = try HTTP.send("POST", "/authors", json: ["name": "Integral"], headers: user.headers)
        guard case .number(let id)? = author["id"] else { throw HTTP.Failure(description: author.text) }
        let book = try HTTP.send("POST", "/books", json: ["title": "Whole", "author_id": .number("\(id).0"), "published_year": .number("1.999e3")],
                                 headers: user.headers)
        #expect(book.status == 201, "\(book.text)")
        #expect(book["author_id"] == .number(id))
        #expect(book["published_year"] == .number("1999"))
        let fraction = try HTTP.send("POST", "/books", json: ["title": "Half", "author_id": .number("\(id).5")], headers: user.headers)
        #expect(Fixtures.errorFields(fraction) == ["author_id"])
    }

    @Test func swaggerUIIsServedAtDocs() throws {
        for path in ["/docs", "/apidocs"] {
            let redirect = try HTTP.get(path)
            #expect(redirect.status == 301, "\(path)")
            #expect(redirect.header("Location") == "/docs/", "\(path)")
            #expect(redirect.header("X-Request-ID") != nil, "\(path)")
        }
        let page = try HTTP.get("/docs/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.text.contains("swagger-initializer.js") && page.text.contains("swagger-ui-bundle.js"))
        let initializer = try HTTP.get("/docs/swagger-initializer.js")
        #expect(initializer.status == 200)
        #expect(initializer.text.contains(#"url: "/openapi.json""#) && initializer.text.contains("persistAuthorization: true"))
        let bundle = try HTTP.get("/docs/swagger-ui-bundle.js", headers: [("Accept-Encoding", "gzip")])
        #expect(bundle.status == 200)
        #expect(bundle.header("Content-Encoding") == "gzip")
        #expect(bundle.header("Cache-Control") == "no-cache")
        Fixtures.expectProblem(try HTTP.get("/docs/no-such-file.js"), 404)
        #expect((try HTTP.get("/")["docs"]) == "/docs")
        // Writes to the static files: nginx's 405, as problem+json, with what is allowed.
        for method in ["POST", "PUT", "DELETE"] {
            let refused = try HTTP.send(method, "/docs/index.html", json: [:])
            Fixtures.expectProblem(refused, 405)
            #expect(refused.header("Allow") == "GET, HEAD", "\(method)")
        }
    }
}
