/// A catalogue product as stored and as clients see it.
public struct Product: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    public var price: Money
    public var createdAt: String
    public var updatedAt: String
    /// When the offer-sync job last refreshed this product's offers; `nil` before the first sync.
    public var offersSyncedAt: String?

    /// The product's JSON representation (without offers, as in collections).
    public var json: JSONValue {
        .object(jsonObject)
    }

    var jsonObject: JSONObject {
        [
            "id": .int(id),
            "name": .string(name),
            "description": .string(description),
            "price": price.json,
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
            "offers_synced_at": .string(offersSyncedAt),
        ]
    }

    /// The single-resource representation: the product with its current offers embedded.
    /// Its bytes are what the `ETag` of `GET /products/{id}` is computed from.
    public func json(offers: [Offer]) -> JSONValue {
        var object = jsonObject
        object["offers"] = .array(offers.map(\.json))
        return .object(object)
    }

    /// The columns `init(row:)` decodes, in order; every product query selects these.
    static let columns = "p.id, p.name, p.description, p.price, p.created_at, p.updated_at, p.offers_synced_at"
    /// How many columns `columns` names: where the offer's columns start in `ProductStore.find`.
    static let columnCount = columns.split(separator: ",").count
}

extension Product: PostgresRowDecodable {
    public init(row: PostgresRow) throws(DatabaseError) {
        let (id, name, description, price, createdAt, updatedAt, offersSyncedAt) =
            try row.decode((Int64, String, String, Money, Timestamp, Timestamp, Timestamp?).self)
        self.init(id: id, name: name, description: description, price: price, createdAt: createdAt.rfc3339,
                  updatedAt: updatedAt.rfc3339, offersSyncedAt: offersSyncedAt?.rfc3339)
    }
}
