/// Removal of load-test accounts and everything they own (`catalog cleanup-loadtest`).
///
/// Load scenarios register users whose emails share a prefix (`locust_`). One
/// transaction removes their books, the authors they added (unless another user's book
/// still names that author, in which case the author stays, ownerless), then the users.
public enum LoadTestCleanup {
    public struct Report: Sendable, Equatable {
        public let users: Int
        public let authors: Int
        public let books: Int
    }

    public static func run(prefix: String, database: Database) throws -> Report {
        precondition(!prefix.isEmpty, "an empty prefix would match every account")
        let pattern = ProductStore.escapeLike(prefix.lowercased()) + "%"
        return try database.transaction { db in
            let books = try db.query("DELETE FROM books WHERE owner_id IN (SELECT id FROM users WHERE email LIKE \(pattern))").affectedRows
            let authors = try db.query("""
                DELETE FROM authors a WHERE a.owner_id IN (SELECT id FROM users WHERE email LIKE \(pattern))
                AND NOT EXISTS (SELECT 1 FROM books b WHERE b.author_id = a.id)
                """).affectedRows
            let removed = try db.query("DELETE FROM users WHERE email LIKE \(pattern)").affectedRows
            return Report(users: removed, authors: authors, books: books)
        }
    }
}
