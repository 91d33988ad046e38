/// The SQL of the accounts module.
enum UserStore {
    static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> User? {
        try db.query("""
            SELECT \(unescaped: User.columns) FROM users u WHERE u.id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")
            """).decode(User.self).first
    }

    static func find(_ db: PostgresConnection, email: String) throws(DatabaseError) -> User? {
        try db.query("SELECT \(unescaped: User.columns) FROM users u WHERE u.email = \(email)").decode(User.self).first
    }

    private static let credentialsColumns = User.columns + ", u.password_hash, u.token_version"

    /// The user with the secrets needed to check a password.
    static func credentials(_ db: PostgresConnection, email: String) throws(DatabaseError) -> UserCredentials? {
        try credentials(db.query("SELECT \(unescaped: credentialsColumns) FROM users u WHERE u.email = \(email)").first)
    }

    /// The user with the secrets needed to check a password, by id; `lock` holds the row
    /// until the transaction ends.
    static func credentials(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> UserCredentials? {
        try credentials(db.query("""
            SELECT \(unescaped: credentialsColumns) FROM users u WHERE u.id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")
            """).first)
    }

    private static func credentials(_ row: PostgresRow?) throws(DatabaseError) -> UserCredentials? {
        guard let row else { return nil }
        let (passwordHash, tokenVersion) = try row.decode((String, Int64).self, from: User.columnCount)
        return UserCredentials(user: try User(row: row), passwordHash: passwordHash, tokenVersion: tokenVersion)
    }

    /// The ids of every admin, each row locked until the transaction ends, in id order so
    /// that concurrent callers queue instead of deadlocking. `FOR NO KEY UPDATE` (not `FOR
    /// UPDATE`) so foreign-key checks, such as an admin adding a book, are not blocked.
    /// A caller that waited sees the rows as committed by the transaction it waited for:
    /// an admin demoted or deleted meanwhile is no longer returned.
    static func lockAdminIDs(_ db: PostgresConnection) throws(DatabaseError) -> [Int64] {
        try db.query("SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR NO KEY UPDATE").decode(Int64.self)
    }

    /// Role and token version, for checking a bearer token on each request.
    static func tokenState(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> (role: Role, tokenVersion: Int64)? {
        try db.query("SELECT role, token_version FROM users WHERE id = \(id)").first?.decode((Role, Int64).self)
    }

    static func list(_ db: PostgresConnection, email: String?, after: Int64?, limit: Int) throws(DatabaseError) -> [User] {
        try db.query("""
            SELECT \(unescaped: User.columns) FROM users u
            WHERE (\(after)::bigint IS NULL OR u.id > \(after)) AND (\(email)::text IS NULL OR u.email = \(email))
            ORDER BY u.id LIMIT \(limit)
            """).decode(User.self)
    }

    static func insert(_ db: PostgresConnection, email: String, name: String, passwordHash: String, role: Role) throws(DatabaseError) -> User {
        guard let user = try db.query("""
            INSERT INTO users AS u (email, name, password_hash, role) VALUES (\(email), \(name), \(passwordHash), \(role.rawValue))
            RETURNING \(unescaped: User.columns)
            """).decode(User.self).first
        else { throw .decoding("INSERT returned no row") }
        return user
    }

    /// Applies the present fields. A new password hash or role bumps `token_version`,
    /// which invalidates every token issued before.
    static func update(_ db: PostgresConnection, id: Int64, name: String?, email: String?, passwordHash: String?, role: Role?) throws(DatabaseError) -> User? {
        try db.query("""
            UPDATE users AS u SET
                name = COALESCE(\(name), u.name),
                email = COALESCE(\(email), u.email),
                password_hash = COALESCE(\(passwordHash), u.password_hash),
                token_version = u.token_version + CASE WHEN \(passwordHash)::text IS NOT NULL
                    OR (\(role?.rawValue)::text IS NOT NULL AND \(role?.rawValue)::text <> u.role) THEN 1 ELSE 0 END,
                role = COALESCE(\(role?.rawValue), u.role),
                updated_at = now()
            WHERE u.id = \(id)
            RETURNING \(unescaped: User.columns)
            """).decode(User.self).first
    }

    /// Replaces a hash with one of the current parameters after a successful login
    /// (no token invalidation: the password did not change).
    static func rehash(_ db: PostgresConnection, id: Int64, passwordHash: String) throws(DatabaseError) {
        try db.query("UPDATE users SET password_hash = \(passwordHash) WHERE id = \(id)")
    }

    static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM users WHERE id = \(id)").affectedRows == 1
    }
}
