import HTTPTypes

/// Authors and books: public reads, signed-in writes, and books changed only by their
/// owner or an admin.
///
/// A non-owner who tries to change an existing book gets 403, not 404: books are publicly
/// readable, so hiding their existence would protect nothing. An unknown id is 404 for
/// everyone.
public enum LibraryRoutes {
    static func register(in router: inout Router) {
        router.add(.get, "/authors", Operation("listAuthors", "List authors", tags: ["library"])
            .cacheable()
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "A page of authors in id order.", schema: OpenAPI.arrayOf("Author"), headers: ["Link"])
            .problems(422)) { request, context in
            let page = try PageRequest(query: request.query)
            let authors = try context.database.read { db in try AuthorStore.list(db, after: page.after, limit: page.limit + 1) }
            return .page(authors, request: request, page: page, id: \.id, json: \.json)
        }

        router.add(.post, "/authors", .signedIn, Operation("createAuthor", "Add an author", tags: ["library"])
            .body(LibraryInput.AuthorFields.schema)
            .response(201, "The new author.", schema: OpenAPI.ref("Author"), headers: ["Location", "ETag"])) { request, context, caller in
            let fields = try LibraryInput.AuthorFields(request.jsonObject(limits: context.configuration.jsonLimits))
            let author = try context.database.transaction { db in
                try AuthorStore.insert(db, name: fields.name, bio: fields.bio, ownerID: caller.userID)
            }
            var response = Response.json(author.json, status: .created, etag: true)
            response.headers[.location] = "/authors/\(author.id)"
            return response
        }

        router.add(.get, "/authors/{id}", Operation("getAuthor", "Get an author", tags: ["library"])
            .cacheable()
            .response(200, "The author.", schema: OpenAPI.ref("Author"), headers: ["ETag"])
            .response(304, "The cached copy is current.", headers: ["ETag"])) { _, context in
            let id = context.parameters.id()
            guard let author = try context.database.read({ db in try AuthorStore.find(db, id: id) }) else {
                throw APIError.notFound("There is no author \(id).")
            }
            return .json(author.json, etag: true)
        }

        router.add(.get, "/authors/{id}/books", Operation("listAuthorBooks", "An author with their books", tags: ["library"])
            .cacheable()
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "The author and a page of their books in id order.", schema: OpenAPI.ref("AuthorWithBooks"), headers: ["Link"])
            .problems(422)) { request, context in
            let id = context.parameters.id()
            let page = try PageRequest(query: request.query)
            let found = try context.database.read { db -> (Author, [Book])? in
                guard let author = try AuthorStore.find(db, id: id) else { return nil }
                return (author, try BookStore.list(db, authorID: id, after: page.after, limit: page.limit + 1))
            }
            guard let (author, books) = found else { throw APIError.notFound("There is no author \(id).") }
            // The page's Link is computed as for a collection; the body wraps the page.
            let paged = Response.page(books, request: request, page: page, id: \.id, json: \.json)
            var response = Response.json(["author": author.json, "books": .array(books.prefix(page.limit).map(\.json))])
            response.headers[.link] = paged.headers[.link]
            return response
        }

        router.add(.get, "/books", Operation("listBooks", "List books", tags: ["library"])
            .cacheable()
            .parameters(OpenAPI.queryParameter("author_id", "Only books of this author.", schema: OpenAPI.idSchema))
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "A page of books in id order.", schema: OpenAPI.arrayOf("Book"), headers: ["Link"])
            .problems(422)) { request, context in
            var errors: [FieldError] = []
            var page = PageRequest()
            do { page = try PageRequest(query: request.query) } catch let error as APIError { if case .validation(let found) = error { errors += found } }
            var authorID: Int64?
            if let text = request.query["author_id"] {
                authorID = ResourceID.parse(text)
                if authorID == nil { errors.append(FieldError("author_id", "must be a positive integer id")) }
            }
            if !errors.isEmpty { throw APIError.validation(errors) }
            let books = try context.database.read { db in try BookStore.list(db, authorID: authorID, after: page.after, limit: page.limit + 1) }
            return .page(books, request: request, page: page, id: \.id, json: \.json)
        }

        router.add(.post, "/books", .signedIn, Operation("createBook", "Add a book (the caller becomes its owner)", tags: ["library"])
            .body(LibraryInput.BookFields.schema)
            .response(201, "The new book.", schema: OpenAPI.ref("Book"), headers: ["Location", "ETag"])
            .problems(409)
            .describe("An unknown `author_id` is a 422; an ISBN that another book has is a 409.")) { request, context, caller in
            let fields = try LibraryInput.BookFields(request.jsonObject(limits: context.configuration.jsonLimits))
            let book = try writing(fields) {
                try context.database.transaction { db in try BookStore.insert(db, fields, ownerID: caller.userID) }
            }
            var response = Response.json(book.json, status: .created, etag: true)
            response.headers[.location] = "/books/\(book.id)"
            return response
        }

        router.add(.get, "/books/{id}", Operation("getBook", "Get a book", tags: ["library"])
            .cacheable()
            .response(200, "The book.", schema: OpenAPI.ref("Book"), headers: ["ETag"])
            .response(304, "The cached copy is current.", headers: ["ETag"])) { _, context in
            let id = context.parameters.id()
            guard let book = try context.database.read({ db in try BookStore.find(db, id: id) }) else {
                throw APIError.notFound("There is no book \(id).")
            }
            return .json(book.json, etag: true)
        }

        router.add(.put, "/books/{id}", .signedIn, Operation("replaceBook", "Replace a book", tags: ["library"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the book changed since."))
            .body(LibraryInput.BookFields.schema)
            .response(200, "The updated book.", schema: OpenAPI.ref("Book"), headers: ["ETag"])
            .problems(403, 409, 412)
            .describe("Only the book's owner or an admin may replace it (403 for others).")) { request, context, caller in
            let id = context.parameters.id()
            let fields = try LibraryInput.BookFields(request.jsonObject(limits: context.configuration.jsonLimits))
            let book = try writing(fields) {
                try context.database.transaction { db in
                    try checkOwnership(request, caller, db, id: id)
                    guard let book = try BookStore.replace(db, id: id, with: fields) else { throw APIError.notFound("There is no book \(id).") }
                    return book
                }
            }
            return .json(book.json, etag: true)
        }

        router.add(.delete, "/books/{id}", .signedIn, Operation("deleteBook", "Delete a book", tags: ["library"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the book changed since."))
            .response(204, "Deleted.")
            .problems(403, 412)
            .describe("Only the book's owner or an admin may delete it (403 for others).")) { request, context, caller in
            let id = context.parameters.id()
            try context.database.transaction { db in
                try checkOwnership(request, caller, db, id: id)
                _ = try BookStore.delete(db, id: id)
            }
            return .noContent
        }
    }

    static let schemas: [(String, JSONValue)] = [
        ("Author", Author.schema),
        ("Book", Book.schema),
        ("AuthorWithBooks", [
            "type": "object", "required": ["author", "books"],
            "properties": ["author": OpenAPI.ref("Author"), "books": OpenAPI.arrayOf("Book")],
        ]),
    ]

    /// Locks the book, then applies the ownership rule (its owner or an admin) and `If-Match`.
    private static func checkOwnership(_ request: Request, _ caller: Principal, _ db: PostgresConnection, id: Int64) throws {
        guard let current = try BookStore.find(db, id: id, lock: true) else { throw APIError.notFound("There is no book \(id).") }
        guard caller.mayActFor(userID: current.ownerID) else {
            throw APIError.forbidden("Only the book's owner or an admin may change it.")
        }
        try request.checkIfMatch(currentETag: ETag.strong(for: current.json.encoded))
    }

    /// Translates the constraint violations a book write can hit into field errors.
    private static func writing<T>(_ fields: LibraryInput.BookFields, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.isUniqueViolation && error.constraint == "books_isbn_key" {
            throw APIError.conflict("Another book has this ISBN.", field: "isbn")
        } catch let error as DatabaseError where error.sqlState == DatabaseError.SQLState.foreignKeyViolation && error.constraint == "books_author_id_fkey" {
            throw APIError.invalid("author_id", "there is no author \(fields.authorID)")
        }
    }
}
