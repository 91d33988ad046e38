/// One shop's offer for a product, as last synced from the external offers service.
///
/// Offers are read-only through the API; only the offer-sync job writes them.
public struct Offer: Sendable, Equatable {
    /// The offer's id at the offers service (a UUID, stable across syncs).
    public var id: String
    /// Price as the offers service gives it: an integer amount.
    public var price: Int64
    public var itemsInStock: Int64
    public var updatedAt: String

    public var json: JSONValue {
        [
            "id": .string(id),
            "price": .int(price),
            "items_in_stock": .int(itemsInStock),
            "updated_at": .string(updatedAt),
        ]
    }

    static let schema: JSONValue = [
        "type": "object",
        "required": ["id", "price", "items_in_stock", "updated_at"],
        "properties": [
            "id": ["type": "string", "format": "uuid", "description": "The offer's id at the offers service."],
            "price": ["type": "integer", "minimum": 0],
            "items_in_stock": ["type": "integer", "minimum": 0],
            "updated_at": ["type": "string", "format": "date-time"],
        ],
    ]
}

extension Offer {
    /// The columns `init(row:from:)` decodes, in order (`o`: the offers table).
    static let columns = "o.id, o.price, o.items_in_stock, o.updated_at"

    /// An offer from the row's columns starting at `column` (after the product's, in
    /// `ProductStore.find`).
    init(row: PostgresRow, from column: Int) throws(DatabaseError) {
        let (id, price, itemsInStock, updatedAt) = try row.decode((String, Int64, Int64, Timestamp).self, from: column)
        self.init(id: id, price: price, itemsInStock: itemsInStock, updatedAt: updatedAt.rfc3339)
    }
}
