import Core
import Foundation
import Testing

/// The library routes through nginx and a worker: reachable, and `catalog
/// cleanup-loadtest` (the built binary) removing what load-test users made. What the
/// routes answer (ownership, validation, paging) is `RouteTests/LibraryRouteTests`.
@Suite struct LibraryAPITests {
    private func createAuthor(_ account: Auth.Account, name: String = "Author") throws -> Int64 {
        let response = try HTTP.send("POST", "/authors", json: ["name": .string(name), "bio": "Writes."], headers: account.headers)
        try #require(response.status == 201, "\(response.text)")
        #expect(response.header("Location") == "/authors/\(try #require(response["id"]).encodedString)")
        guard case .number(let id)? = response["id"] else { throw HTTP.Failure(description: "no id") }
        return Int64(id)!
    }

    private func createBook(_ account: Auth.Account, authorID: Int64, title: String = "A Book", isbn: String? = nil) throws -> HTTPResult {
        var body: JSONObject = ["title": .string(title), "author_id": .int(authorID)]
        if let isbn { body["isbn"] = .string(isbn) }
        return try HTTP.send("POST", "/books", json: .object(body), headers: account.headers)
    }

    private func id(_ response: HTTPResult) throws -> Int64 {
        guard case .number(let text)? = response["id"], let id = Int64(text) else { throw HTTP.Failure(description: "no id in \(response.text)") }
        return id
    }

    @Test func libraryRoutesAreReachableThroughNginx() throws {
        let user = try Auth.newUser("smoke-writer")
        let authorID = try createAuthor(user, name: "Ursula")
        #expect(try HTTP.get("/authors/\(authorID)")["name"] == "Ursula")
        #expect(try HTTP.get("/authors/\(authorID)/books").status == 200)
        let created = try createBook(user, authorID: authorID, title: "The Dispossessed")
        #expect(created.status == 201, "\(created.text)")
        let bookID = try id(created)
        #expect(created.header("Location") == "/books/\(bookID)")
        #expect(try HTTP.get("/books/\(bookID)")["title"] == "The Dispossessed")
        #expect(try HTTP.get("/books?author_id=\(authorID)").status == 200)
        #expect(try HTTP.get("/authors").status == 200)
        let replaced = try HTTP.send("PUT", "/books/\(bookID)", json: ["title": "Revised", "author_id": .int(authorID)], headers: user.headers)
        #expect(replaced.status == 200, "\(replaced.text)")
        Fixtures.expectProblem(try HTTP.send("POST", "/authors", json: ["name": "Anon"]), 401)
        #expect(try HTTP.send("DELETE", "/books/\(bookID)", headers: user.headers).status == 204)
    }

    @Test func cleanupLoadtestRemovesPrefixedUsersAndWhatTheyOwn() throws {
        let prefix = "locust_\(TestStack.uniqueTag("c"))"
        let email = "\(prefix)@example.com"
        let register = try HTTP.patient("POST", "/register", json: ["email": .string(email), "password": "load test pw", "name": "Locust"])
        #expect(register.status == 201)
        let token = try Auth.login(email: email, password: "load test pw")
        let account = Auth.Account(id: try id(register), email: email, password: "load test pw", token: token)
        let authorID = try createAuthor(account)
        let bookID = try id(try createBook(account, authorID: authorID))
        let bystander = try Auth.newUser("bystander")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestStack.required("CATALOG_BIN"))
        process.arguments = ["cleanup-loadtest", "--prefix", prefix]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(printed.contains("removed 1 users, 1 books, 1 authors"), "\(printed)")

        Fixtures.expectProblem(try HTTP.get("/books/\(bookID)"), 404)
        Fixtures.expectProblem(try HTTP.get("/authors/\(authorID)"), 404)
        #expect(try TestStack.database().query("SELECT 1 FROM users WHERE email LIKE \(prefix + "%")").rowCount == 0)
        #expect(try HTTP.get("/users/me", headers: bystander.headers).status == 200, "other accounts are untouched")
    }
}
