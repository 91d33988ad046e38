/// The SQL of the accounts module.
enum UserStore {
    private static let findSQL = "SELECT \(User.columns) FROM users u WHERE u.id = $1"
    private static let findForUpdateSQL = findSQL + " FOR UPDATE"

    static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> User? {
        try db.query(lock ? findForUpdateSQL : findSQL, [id]).decode(User.self).first
    }

    static func find(_ db: PostgresConnection, email: String) throws(DatabaseError) -> User? {
        try db.query("SELECT \(User.columns) FROM users u WHERE u.email = $1", [email]).decode(User.self).first
    }

    private static let credentialsSQL = "SELECT \(User.columns), u.password_hash, u.token_version FROM users u"
    private static let credentialsByIDSQL = credentialsSQL + " WHERE u.id = $1"
    private static let credentialsByIDForUpdateSQL = credentialsByIDSQL + " FOR UPDATE"

    /// The user with the secrets needed to check a password.
    static func credentials(_ db: PostgresConnection, email: String) throws(DatabaseError) -> UserCredentials? {
        try credentials(db.query(credentialsSQL + " WHERE u.email = $1", [email]).first)
    }

    /// The user with the secrets needed to check a password, by id; `lock` holds the row
    /// until the transaction ends.
    static func credentials(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> UserCredentials? {
        try credentials(db.query(lock ? credentialsByIDForUpdateSQL : credentialsByIDSQL, [id]).first)
    }

    private static func credentials(_ row: PostgresRow?) throws(DatabaseError) -> UserCredentials? {
        guard let row else { return nil }
        return UserCredentials(user: try User(row: row), passwordHash: try row.string(6), tokenVersion: try row.int64(7))
    }

    /// The ids of every admin, each row locked until the transaction ends, in id order so
    /// that concurrent callers queue instead of deadlocking. `FOR NO KEY UPDATE` (not `FOR
    /// UPDATE`) so foreign-key checks, such as an admin adding a book, are not blocked.
    /// A caller that waited sees the rows as committed by the transaction it waited for:
    /// an admin demoted or deleted meanwhile is no longer returned.
    static func lockAdminIDs(_ db: PostgresConnection) throws(DatabaseError) -> [Int64] {
        try db.query("SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR NO KEY UPDATE").rows.map { row throws(DatabaseError) in try row.int64(0) }
    }

    /// Role and token version, for checking a bearer token on each request.
    static func tokenState(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> (role: Role, tokenVersion: Int64)? {
        guard let row = try db.query("SELECT role, token_version FROM users WHERE id = $1", [id]).first,
              let role = Role(rawValue: try row.string(0))
        else { return nil }
        return (role, try row.int64(1))
    }

    static func list(_ db: PostgresConnection, email: String?, after: Int64?, limit: Int) throws(DatabaseError) -> [User] {
        try db.query("""
            SELECT \(User.columns) FROM users u
            WHERE ($1::bigint IS NULL OR u.id > $1) AND ($2::text IS NULL OR u.email = $2)
            ORDER BY u.id LIMIT $3
            """, [after, email, limit]).decode(User.self)
    }

    static func insert(_ db: PostgresConnection, email: String, name: String, passwordHash: String, role: Role) throws(DatabaseError) -> User {
        guard let user = try db.query("""
            INSERT INTO users AS u (email, name, password_hash, role) VALUES ($1, $2, $3, $4)
            RETURNING \(User.columns)
            """, [email, name, passwordHash, role.rawValue]).decode(User.self).first
        else { throw .decoding("INSERT returned no row") }
        return user
    }

    /// Applies the present fields. A new password hash or role bumps `token_version`,
    /// which invalidates every token issued before.
    static func update(_ db: PostgresConnection, id: Int64, name: String?, email: String?, passwordHash: String?, role: Role?) throws(DatabaseError) -> User? {
        try db.query("""
            UPDATE users AS u SET
                name = COALESCE($2, u.name),
                email = COALESCE($3, u.email),
                password_hash = COALESCE($4, u.password_hash),
                token_version = u.token_version + CASE WHEN $4::text IS NOT NULL OR ($5::text IS NOT NULL AND $5::text <> u.role) THEN 1 ELSE 0 END,
                role = COALESCE($5, u.role),
                updated_at = now()
            WHERE u.id = $1
            RETURNING \(User.columns)
            """, [id, name, email, passwordHash, role?.rawValue]).decode(User.self).first
    }

    /// Replaces a hash with one of the current parameters after a successful login
    /// (no token invalidation: the password did not change).
    static func rehash(_ db: PostgresConnection, id: Int64, passwordHash: String) throws(DatabaseError) {
        try db.query("UPDATE users SET password_hash = $2 WHERE id = $1", [id, passwordHash])
    }

    static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM users WHERE id = $1", [id]).affectedRows == 1
    }
}
