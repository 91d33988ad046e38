/// The SQL of authors.
enum AuthorStore {
    static func list(_ db: PostgresConnection, after: Int64?, limit: Int) throws(DatabaseError) -> [Author] {
        try db.query("""
            SELECT \(unescaped: Author.columns) FROM authors a
            WHERE (\(after)::bigint IS NULL OR a.id > \(after)) ORDER BY a.id LIMIT \(limit)
            """).decode(Author.self)
    }

    static func find(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Author? {
        try db.query("SELECT \(unescaped: Author.columns) FROM authors a WHERE a.id = \(id)").decode(Author.self).first
    }

    static func insert(_ db: PostgresConnection, name: String, bio: String, ownerID: Int64) throws(DatabaseError) -> Author {
        guard let author = try db.query("""
            INSERT INTO authors AS a (name, bio, owner_id) VALUES (\(name), \(bio), \(ownerID)) RETURNING \(unescaped: Author.columns)
            """).decode(Author.self).first
        else { throw .decoding("INSERT returned no row") }
        return author
    }
}
