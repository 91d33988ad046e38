/// The SQL of books.
enum BookStore {
    /// Books after `after` in id order, optionally of one author.
    static func list(_ db: PostgresConnection, authorID: Int64?, after: Int64?, limit: Int) throws(DatabaseError) -> [Book] {
        try db.query("""
            SELECT \(unescaped: Book.columns) FROM books b
            WHERE (\(authorID)::bigint IS NULL OR b.author_id = \(authorID)) AND (\(after)::bigint IS NULL OR b.id > \(after))
            ORDER BY b.id LIMIT \(limit)
            """).decode(Book.self)
    }

    static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> Book? {
        try db.query("""
            SELECT \(unescaped: Book.columns) FROM books b WHERE b.id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")
            """).decode(Book.self).first
    }

    static func insert(_ db: PostgresConnection, _ fields: LibraryInput.BookFields, ownerID: Int64) throws(DatabaseError) -> Book {
        guard let book = try db.query("""
            INSERT INTO books AS b (title, author_id, isbn, published_year, owner_id)
            VALUES (\(fields.title), \(fields.authorID), \(fields.isbn), \(fields.publishedYear), \(ownerID))
            RETURNING \(unescaped: Book.columns)
            """).decode(Book.self).first
        else { throw .decoding("INSERT returned no row") }
        return book
    }

    /// Full replacement of the writable fields; the owner is kept.
    static func replace(_ db: PostgresConnection, id: Int64, with fields: LibraryInput.BookFields) throws(DatabaseError) -> Book? {
        try db.query("""
            UPDATE books AS b SET title = \(fields.title), author_id = \(fields.authorID), isbn = \(fields.isbn),
                published_year = \(fields.publishedYear), updated_at = now()
            WHERE b.id = \(id) RETURNING \(unescaped: Book.columns)
            """).decode(Book.self).first
    }

    static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM books WHERE id = \(id)").affectedRows == 1
    }
}
