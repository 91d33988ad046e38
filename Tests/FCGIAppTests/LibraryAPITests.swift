import Core
import Foundation
import Testing
import TestSupport

/// Authors and books with ownership, end to end through nginx.
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

    @Test func readsArePublicAndWritesNeedSignIn() throws {
        #expect(try HTTP.get("/authors").status == 200)
        #expect(try HTTP.get("/books").status == 200)
        Fixtures.expectProblem(try HTTP.send("POST", "/authors", json: ["name": "Anon"]), 401)
        Fixtures.expectProblem(try HTTP.send("POST", "/books", json: ["title": "Anon", "author_id": 1]), 401)
        Fixtures.expectProblem(try HTTP.get("/authors/999999999"), 404)
        Fixtures.expectProblem(try HTTP.get("/books/999999999"), 404)
        Fixtures.expectProblem(try HTTP.get("/authors/999999999/books"), 404)
    }

    @Test func aUserAddsAnAuthorAndABookAndOwnsIt() throws {
        let user = try Auth.newUser("writer")
        let authorID = try createAuthor(user, name: "Ursula")
        let author = try HTTP.get("/authors/\(authorID)")
        #expect(author["name"] == "Ursula")
        #expect(author["bio"] == "Writes.")
        let etag = try #require(author.header("ETag"))
        #expect(try HTTP.get("/authors/\(authorID)", headers: [("If-None-Match", etag)]).status == 304)

        let created = try createBook(user, authorID: authorID, title: "The Dispossessed", isbn: Fixtures.randomISBN13(hyphenated: true))
        #expect(created.status == 201)
        #expect(created["owner_id"] == .int(user.id))
        #expect(created["author_id"] == .int(authorID))
        #expect(created["published_year"] == .null)
        guard case .string(let isbn)? = created["isbn"] else { Issue.record("no isbn"); return }
        #expect(isbn.count == 13 && isbn.allSatisfy(\.isNumber), "stored normalised: \(isbn)")
        let bookID = try id(created)
        #expect(created.header("Location") == "/books/\(bookID)")
        let fetched = try HTTP.get("/books/\(bookID)")
        #expect(try fetched.json == created.json)
    }

    @Test func onlyTheOwnerOrAnAdminChangesABook() throws {
        let owner = try Auth.newUser("owner")
        let other = try Auth.newUser("other")
        let authorID = try createAuthor(owner)
        let bookID = try id(try createBook(owner, authorID: authorID, title: "Mine"))
        let before = try HTTP.get("/books/\(bookID)")

        Fixtures.expectProblem(try HTTP.send("PUT", "/books/\(bookID)", json: ["title": "Stolen", "author_id": .int(authorID)], headers: other.headers), 403)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/books/\(bookID)", headers: other.headers), 403)
        #expect(try HTTP.get("/books/\(bookID)").text == before.text, "a refused write changes nothing")

        let updated = try HTTP.send("PUT", "/books/\(bookID)", json: ["title": "Mine, revised", "author_id": .int(authorID), "published_year": 1974],
                                    headers: owner.headers + [("If-Match", try #require(before.header("ETag")))])
        #expect(updated.status == 200)
        #expect(updated["title"] == "Mine, revised")
        #expect(updated["published_year"] == 1974)
        #expect(updated["owner_id"] == .int(owner.id), "replacing keeps the owner")
        Fixtures.expectProblem(try HTTP.send("PUT", "/books/\(bookID)", json: ["title": "x", "author_id": .int(authorID)],
                                             headers: owner.headers + [("If-Match", try #require(before.header("ETag")))]), 412)

        let byAdmin = try HTTP.send("PUT", "/books/\(bookID)", json: ["title": "Edited by admin", "author_id": .int(authorID)], headers: Auth.admin)
        #expect(byAdmin.status == 200)
        #expect(byAdmin["published_year"] == .null, "PUT replaces: an absent optional field is cleared")

        let secondID = try id(try createBook(owner, authorID: authorID, title: "Second"))
        #expect(try HTTP.send("DELETE", "/books/\(secondID)", headers: owner.headers).status == 204)
        #expect(try HTTP.send("DELETE", "/books/\(bookID)", headers: Auth.admin).status == 204)
        // Past nginx's response cache, which may serve the deleted book to anonymous readers
        // for a bounded while (ResponseCacheTests): this is about the deletion itself.
        Fixtures.expectProblem(try HTTP.get("/books/\(bookID)", headers: [("Cache-Control", "no-cache")]), 404)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/books/\(bookID)", headers: owner.headers), 404)
    }

    @Test func authorFilterAndAuthorBooksShape() throws {
        let user = try Auth.newUser("filter")
        let first = try createAuthor(user, name: "First")
        let second = try createAuthor(user, name: "Second")
        let a = try id(try createBook(user, authorID: first, title: "A1"))
        let b = try id(try createBook(user, authorID: first, title: "A2"))
        _ = try createBook(user, authorID: second, title: "B1")

        let filtered = try HTTP.get("/books?author_id=\(first)")
        guard case .array(let books) = try filtered.json else { Issue.record("not an array"); return }
        #expect(books.map { book -> JSONValue? in if case .object(let o) = book { return o["id"] } else { return nil } } == [.int(a), .int(b)])

        let shaped = try HTTP.get("/authors/\(first)/books")
        #expect(shaped.status == 200)
        guard case .object(let object) = try shaped.json else { Issue.record("not an object"); return }
        #expect(object.keys == ["author", "books"])
        if case .object(let author)? = object["author"] { #expect(author["id"] == .int(first)) }
        if case .array(let list)? = object["books"] { #expect(list == books) }

        Fixtures.expectProblem(try HTTP.get("/books?author_id=abc"), 422)
        Fixtures.expectProblem(try HTTP.get("/books?author_id=0"), 422)
    }

    @Test func duplicateISBNIs409() throws {
        let user = try Auth.newUser("isbn")
        let authorID = try createAuthor(user)
        let isbn = Fixtures.randomISBN13(hyphenated: false)
        #expect(try createBook(user, authorID: authorID, isbn: isbn).status == 201)
        let hyphenated = String(isbn.prefix(3)) + "-" + String(isbn.dropFirst(3))
        let duplicate = try createBook(user, authorID: authorID, title: "Copy", isbn: hyphenated)
        Fixtures.expectProblem(duplicate, 409)
        #expect(Fixtures.errorFields(duplicate) == ["isbn"])
    }

    @Test func invalidBooksAre422WithFieldErrors() throws {
        let user = try Auth.newUser("invalid")
        let authorID = try createAuthor(user)
        let count = try TestStack.database().query("SELECT count(*) FROM books").first!.int64(0)
        let cases: [(JSONValue, [String])] = [
            (["title": "x", "author_id": .int(authorID), "isbn": "978-0-306-40615-8"], ["isbn"]),
            (["title": "", "author_id": .int(authorID)], ["title"]),
            (["title": "x", "author_id": 999_999_999], ["author_id"]),
            (["title": "x", "author_id": .int(authorID), "published_year": 3000], ["published_year"]),
            (["title": "x", "author_id": "1"], ["author_id"]),
            (["author_id": .int(authorID)], ["title"]),
        ]
        for (body, fields) in cases {
            let response = try HTTP.send("POST", "/books", json: body, headers: user.headers)
            Fixtures.expectProblem(response, 422)
            #expect(Fixtures.errorFields(response) == fields, "\(body.encodedString): \(response.text)")
        }
        #expect(try TestStack.database().query("SELECT count(*) FROM books").first!.int64(0) == count)
    }

    @Test func deletingAUserLeavesTheirBooksOwnerless() throws {
        let user = try Auth.newUser("departing")
        let authorID = try createAuthor(user)
        let bookID = try id(try createBook(user, authorID: authorID, title: "Left behind"))
        #expect(try HTTP.send("DELETE", "/users/\(user.id)", headers: Auth.admin).status == 204)
        let book = try HTTP.get("/books/\(bookID)")
        #expect(book.status == 200)
        #expect(book["owner_id"] == .null)
    }

    @Test func cursorPagingSeesEveryBookOnceDuringConcurrentInserts() throws {
        let user = try Auth.newUser("pager")
        let authorID = try createAuthor(user, name: "Prolific")
        var initial: [Int64] = []
        for index in 0..<24 { initial.append(try id(try createBook(user, authorID: authorID, title: "Volume \(index)"))) }

        let inserted = Locked<[Int64]>([])
        let done = Locked(false)
        let writer = Thread {
            for index in 0..<20 {
                if let response = try? self.createBook(user, authorID: authorID, title: "Late \(index)"), let id = try? self.id(response) {
                    inserted.withValue { $0.append(id) }
                }
                usleep(5_000)
            }
            done.withValue { $0 = true }
        }
        writer.start()
        var seen: [Int64] = []
        var next: String? = "/books?author_id=\(authorID)&limit=5"
        while let path = next {
            let response = try HTTP.get(path)
            guard case .array(let items) = try response.json else { Issue.record("not an array"); return }
            for case .object(let item) in items { if case .number(let id)? = item["id"] { seen.append(Int64(id)!) } }
            next = response.header("Link").flatMap { link in
                guard let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">") else { return nil }
                return String(link[link.index(after: open)..<close])
            }
            usleep(10_000)
        }
        while !done.withValue({ $0 }) { usleep(10_000) }
        #expect(Set(seen).count == seen.count, "no book twice")
        #expect(seen == seen.sorted(), "in id order")
        #expect(Set(initial).isSubset(of: Set(seen)), "every book that existed before the walk is seen")
        let all = Set(initial + inserted.withValue { $0 })
        #expect(Set(seen).isSubset(of: all))
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
