/// A book, owned by the user who added it (or by nobody once that account is deleted).
public struct Book: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var authorID: Int64
    public var ownerID: Int64?
    public var isbn: String?
    public var publishedYear: Int64?
    public var createdAt: String
    public var updatedAt: String

    public var json: JSONValue {
        [
            "id": .int(id),
            "title": .string(title),
            "author_id": .int(authorID),
            "owner_id": ownerID.map { .int($0) } ?? .null,
            "isbn": .string(isbn),
            "published_year": publishedYear.map { .int($0) } ?? .null,
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
        ]
    }

    static let columns = "b.id, b.title, b.author_id, b.owner_id, b.isbn, b.published_year, b.created_at, b.updated_at"

    static let schema: JSONValue = [
        "type": "object",
        "required": ["id", "title", "author_id", "owner_id", "isbn", "published_year", "created_at", "updated_at"],
        "properties": [
            "id": OpenAPI.idSchema,
            "title": LibraryInput.BookFields.titleField.responseSchema,
            "author_id": LibraryInput.BookFields.authorIDField.responseSchema,
            "owner_id": ["type": ["integer", "null"], "format": "int64",
                         "description": "The user who added the book; null once that account is deleted."],
            "isbn": LibraryInput.BookFields.isbnField.responseSchema,
            "published_year": LibraryInput.BookFields.publishedYearField.responseSchema,
            "created_at": ["type": "string", "format": "date-time"],
            "updated_at": ["type": "string", "format": "date-time"],
        ],
    ]
}

extension Book: PostgresRowDecodable {
    public init(row: PostgresRow) throws(DatabaseError) {
        let (id, title, authorID, ownerID, isbn, publishedYear, createdAt, updatedAt) =
            try row.decode((Int64, String, Int64, Int64?, String?, Int64?, Timestamp, Timestamp).self)
        self.init(id: id, title: title, authorID: authorID, ownerID: ownerID, isbn: isbn, publishedYear: publishedYear,
                  createdAt: createdAt.rfc3339, updatedAt: updatedAt.rfc3339)
    }
}
