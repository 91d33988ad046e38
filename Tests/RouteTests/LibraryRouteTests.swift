import Core
import Foundation
import Testing
import TestSupport

/// Authors and books with ownership, in-process on the suite's own database.
@Suite struct LibraryRouteTests {
    static let app = RouteApp(suite: "library")
    var app: RouteApp { Self.app }

    private func createAuthor(_ account: RouteApp.Account, name: String = "Author") throws -> Int64 {
        let response = app.send("POST", "/authors", json: ["name": .string(name), "bio": "Writes."], headers: account.headers)
        try #require(response.status == 201, "\(response.text)")
        #expect(response.header("Location") == "/authors/\(try #require(response["id"]).encodedString)")
        guard case .number(let id)? = response["id"] else { throw RouteFailure("no id") }
        return Int64(id)!
    }

    private func createBook(_ account: RouteApp.Account, authorID: Int64, title: String = "A Book", isbn: String? = nil) throws -> RouteResponse {
        var body: JSONObject = ["title": .string(title), "author_id": .int(authorID)]
        if let isbn { body["isbn"] = .string(isbn) }
        return app.send("POST", "/books", json: .object(body), headers: account.headers)
    }

    private func id(_ response: RouteResponse) throws -> Int64 {
        guard case .number(let text)? = response["id"], let id = Int64(text) else { throw RouteFailure("no id in \(response.text)") }
        return id
    }

    @Test func readsArePublicAndWritesNeedSignIn() throws {
        #expect(app.get("/authors").status == 200)
        #expect(app.get("/books").status == 200)
        Expect.problem(app.send("POST", "/authors", json: ["name": "Anon"]), 401)
        Expect.problem(app.send("POST", "/books", json: ["title": "Anon", "author_id": 1]), 401)
        Expect.problem(app.get("/authors/999999999"), 404)
        Expect.problem(app.get("/books/999999999"), 404)
        Expect.problem(app.get("/authors/999999999/books"), 404)
    }

    @Test func aUserAddsAnAuthorAndABookAndOwnsIt() throws {
        let user = try app.newUser("writer")
        let authorID = try createAuthor(user, name: "Ursula")
        let author = app.get("/authors/\(authorID)")
        #expect(author["name"] == "Ursula")
        #expect(author["bio"] == "Writes.")
        let etag = try #require(author.header("ETag"))
        #expect(app.get("/authors/\(authorID)", headers: [("If-None-Match", etag)]).status == 304)

        let created = try createBook(user, authorID: authorID, title: "The Dispossessed", isbn: ISBNFixture.random13(hyphenated: true))
        #expect(created.status == 201)
        #expect(created["owner_id"] == .int(user.id))
        #expect(created["author_id"] == .int(authorID))
        #expect(created["published_year"] == .null)
        guard case .string(let isbn)? = created["isbn"] else { Issue.record("no isbn"); return }
        #expect(isbn.count == 13 && isbn.allSatisfy(\.isNumber), "stored normalised: \(isbn)")
        let bookID = try id(created)
        #expect(created.header("Location") == "/books/\(bookID)")
        let fetched = app.get("/books/\(bookID)")
        #expect(try fetched.json == created.json)
    }

    @Test func onlyTheOwnerOrAnAdminChangesABook() throws {
        let owner = try app.newUser("owner")
        let other = try app.newUser("other")
        let authorID = try createAuthor(owner)
        let bookID = try id(try createBook(owner, authorID: authorID, title: "Mine"))
        let before = app.get("/books/\(bookID)")

        Expect.problem(app.send("PUT", "/books/\(bookID)", json: ["title": "Stolen", "author_id": .int(authorID)], headers: other.headers), 403)
        Expect.problem(app.send("DELETE", "/books/\(bookID)", headers: other.headers), 403)
        #expect(app.get("/books/\(bookID)").text == before.text, "a refused write changes nothing")

        let updated = app.send("PUT", "/books/\(bookID)", json: ["title": "Mine, revised", "author_id": .int(authorID), "published_year": 1974],
                                    headers: owner.headers + [("If-Match", try #require(before.header("ETag")))])
        #expect(updated.status == 200)
        #expect(updated["title"] == "Mine, revised")
        #expect(updated["published_year"] == 1974)
        #expect(updated["owner_id"] == .int(owner.id), "replacing keeps the owner")
        Expect.problem(app.send("PUT", "/books/\(bookID)", json: ["title": "x", "author_id": .int(authorID)],
                                             headers: owner.headers + [("If-Match", try #require(before.header("ETag")))]), 412)

        let byAdmin = app.send("PUT", "/books/\(bookID)", json: ["title": "Edited by admin", "author_id": .int(authorID)], headers: app.admin)
        #expect(byAdmin.status == 200)
        #expect(byAdmin["published_year"] == .null, "PUT replaces: an absent optional field is cleared")

        let secondID = try id(try createBook(owner, authorID: authorID, title: "Second"))
        #expect(app.send("DELETE", "/books/\(secondID)", headers: owner.headers).status == 204)
        #expect(app.send("DELETE", "/books/\(bookID)", headers: app.admin).status == 204)
        Expect.problem(app.get("/books/\(bookID)"), 404)
        Expect.problem(app.send("DELETE", "/books/\(bookID)", headers: owner.headers), 404)
    }

    @Test func authorFilterAndAuthorBooksShape() throws {
        let user = try app.newUser("filter")
        let first = try createAuthor(user, name: "First")
        let second = try createAuthor(user, name: "Second")
        let a = try id(try createBook(user, authorID: first, title: "A1"))
        let b = try id(try createBook(user, authorID: first, title: "A2"))
        _ = try createBook(user, authorID: second, title: "B1")

        let filtered = app.get("/books?author_id=\(first)")
        guard case .array(let books) = try filtered.json else { Issue.record("not an array"); return }
        #expect(books.map { book -> JSONValue? in if case .object(let o) = book { return o["id"] } else { return nil } } == [.int(a), .int(b)])

        let shaped = app.get("/authors/\(first)/books")
        #expect(shaped.status == 200)
        guard case .object(let object) = try shaped.json else { Issue.record("not an object"); return }
        #expect(object.keys == ["author", "books"])
        if case .object(let author)? = object["author"] { #expect(author["id"] == .int(first)) }
        if case .array(let list)? = object["books"] { #expect(list == books) }

        Expect.problem(app.get("/books?author_id=abc"), 422)
        Expect.problem(app.get("/books?author_id=0"), 422)
    }

    @Test func duplicateISBNIs409() throws {
        let user = try app.newUser("isbn")
        let authorID = try createAuthor(user)
        let isbn = ISBNFixture.random13(hyphenated: false)
        #expect(try createBook(user, authorID: authorID, isbn: isbn).status == 201)
        let hyphenated = String(isbn.prefix(3)) + "-" + String(isbn.dropFirst(3))
        let duplicate = try createBook(user, authorID: authorID, title: "Copy", isbn: hyphenated)
        Expect.problem(duplicate, 409)
        #expect(Expect.errorFields(duplicate) == ["isbn"])
    }

    @Test func invalidBooksAre422WithFieldErrors() throws {
        let user = try app.newUser("invalid")
        let authorID = try createAuthor(user)
        let count = try app.database().query("SELECT count(*) FROM books").first!.int64(0)
        let cases: [(JSONValue, [String])] = [
            (["title": "x", "author_id": .int(authorID), "isbn": "978-0-306-40615-8"], ["isbn"]),
            (["title": "", "author_id": .int(authorID)], ["title"]),
            (["title": "x", "author_id": 999_999_999], ["author_id"]),
            (["title": "x", "author_id": .int(authorID), "published_year": 3000], ["published_year"]),
            (["title": "x", "author_id": "1"], ["author_id"]),
            (["author_id": .int(authorID)], ["title"]),
        ]
        for (body, fields) in cases {
            let response = app.send("POST", "/books", json: body, headers: user.headers)
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == fields, "\(body.encodedString): \(response.text)")
        }
        #expect(try app.database().query("SELECT count(*) FROM books").first!.int64(0) == count)
    }

    @Test func deletingAUserLeavesTheirBooksOwnerless() throws {
        let user = try app.newUser("departing")
        let authorID = try createAuthor(user)
        let bookID = try id(try createBook(user, authorID: authorID, title: "Left behind"))
        #expect(app.send("DELETE", "/users/\(user.id)", headers: app.admin).status == 204)
        let book = app.get("/books/\(bookID)")
        #expect(book.status == 200)
        #expect(book["owner_id"] == .null)
    }

    @Test func cursorPagingSeesEveryBookOnceDuringConcurrentInserts() throws {
        let user = try app.newUser("pager")
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
            let response = app.get(path)
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
}
