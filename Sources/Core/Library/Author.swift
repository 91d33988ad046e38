/// An author in the library.
public struct Author: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var bio: String
    public var createdAt: String
    public var updatedAt: String

    public var json: JSONValue {
        [
            "id": .int(id),
            "name": .string(name),
            "bio": .string(bio),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
        ]
    }

    static let columns = "a.id, a.name, a.bio, a.created_at, a.updated_at"

    static let schema: JSONValue = [
        "type": "object",
        "required": ["id", "name", "bio", "created_at", "updated_at"],
        "properties": [
            "id": OpenAPI.idSchema,
            "name": LibraryInput.AuthorFields.nameField.responseSchema,
            "bio": LibraryInput.AuthorFields.bioField.responseSchema,
            "created_at": ["type": "string", "format": "date-time"],
            "updated_at": ["type": "string", "format": "date-time"],
        ],
    ]
}

extension Author: PostgresRowDecodable {
    public init(row: PostgresRow) throws(DatabaseError) {
        let (id, name, bio, createdAt, updatedAt) = try row.decode((Int64, String, String, Timestamp, Timestamp).self)
        self.init(id: id, name: name, bio: bio, createdAt: createdAt.rfc3339, updatedAt: updatedAt.rfc3339)
    }
}
