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
        self.init(id: try row.int64(0), name: try row.string(1), bio: try row.string(2),
                  createdAt: try row.timestamp(3), updatedAt: try row.timestamp(4))
    }
}
