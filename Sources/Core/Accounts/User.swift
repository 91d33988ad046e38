/// A user account as clients see it. The password hash is loaded only by the queries
/// that verify passwords and never leaves this module.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var email: String
    public var name: String
    public var role: Role
    public var createdAt: String
    public var updatedAt: String

    public var json: JSONValue {
        [
            "id": .int(id),
            "email": .string(email),
            "name": .string(name),
            "role": .string(role.rawValue),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
        ]
    }

    /// The columns `init(row:)` decodes, in order.
    static let columns = "u.id, u.email, u.name, u.role, u.created_at, u.updated_at"
    /// How many columns `columns` names: where the credentials start in `UserStore`.
    static let columnCount = columns.split(separator: ",").count

    static let schema: JSONValue = [
        "type": "object",
        "required": ["id", "email", "name", "role", "created_at", "updated_at"],
        "properties": [
            "id": OpenAPI.idSchema,
            "email": AccountInput.emailField.responseSchema,
            "name": AccountInput.nameField.responseSchema,
            "role": AccountInput.roleField.responseSchema,
            "created_at": ["type": "string", "format": "date-time"],
            "updated_at": ["type": "string", "format": "date-time"],
        ],
    ]
}

extension User: PostgresRowDecodable {
    public init(row: PostgresRow) throws(DatabaseError) {
        let (id, email, name, role, createdAt, updatedAt) = try row.decode((Int64, String, String, Role, Timestamp, Timestamp).self)
        self.init(id: id, email: email, name: name, role: role, createdAt: createdAt.rfc3339, updatedAt: updatedAt.rfc3339)
    }
}

/// What login and token checks need of a user, besides its public fields.
struct UserCredentials {
    let user: User
    let passwordHash: String
    let tokenVersion: Int64
}
