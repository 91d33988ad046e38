/// The SQL of books.
enum BookStore {
    private static let findSQL = "SELECT \(Book.columns) FROM books b WHERE b.id = $1"
    private static let findForUpdateSQL = findSQL + " FOR UPDATE"

    /// Books after `after` in id order, optionally of one author.
    static func list(_ db: PostgresConnection, authorID: Int64?, after: Int64?, limit: Int) throws(DatabaseError) -> [Book] {
        try db.query("""
            SELECT \(Book.columns) FROM books b
            WHERE ($1::bigint IS NULL OR b.author_id = $1) AND ($2::bigint IS NULL OR b.id > $2)
            ORDER BY b.id LIMIT $3
            """, [authorID, after, limit]).decode(Book.self)
    }

    static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> Book? {
        try db.query(lock ? findForUpdateSQL : findSQL, [id]).decode(Book.self).first
    }

    static func insert(_ db: PostgresConnection, _ fields: LibraryInput.BookFields, ownerID: Int64) throws(DatabaseError) -> Book {
        guard let book = try db.query("""
            INSERT INTO books AS b (title, author_id, isbn, published_year, owner_id) VALUES ($1, $2, $3, $4, $5)
            RETURNING \(Book.columns)
            """, [fields.title, fields.authorID, fields.isbn, fields.publishedYear, ownerID]).decode(Book.self).first
        else { throw .decoding("INSERT returned no row") }
        return book
    }

    /// Full replacement of the writable fields; the owner is kept.
    static func replace(_ db: PostgresConnection, id: Int64, with fields: LibraryInput.BookFields) throws(DatabaseError) -> Book? {
        try db.query("""
            UPDATE books AS b SET title = $2, author_id = $3, isbn = $4, published_year = $5, updated_at = now()
            WHERE b.id = $1 RETURNING \(Book.columns)
            """, [id, fields.title, fields.authorID, fields.isbn, fields.publishedYear]).decode(Book.self).first
    }

    static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM books WHERE id = $1", [id]).affectedRows == 1
    }
}
