/// One point of a product's price history: the prices recorded in one bucket.
public struct PricePoint: Sendable, Equatable, PostgresRowDecodable {
    /// The bucket's start, RFC 3339 UTC.
    public var at: String
    /// Offer prices are the offers service's integer amounts, as `GET /products/{id}/offers`
    /// shows them; the mean is exact, rounded to two decimals, and like every price in the
    /// API written as a JSON number from its decimal text, never through floating point.
    public var min: Int64
    public var avg: String
    public var max: Int64
    /// Distinct offers with a recorded price in the bucket.
    public var offers: Int64
    /// Events recorded in the bucket, disappearances included.
    public var changes: Int64

    public init(row: PostgresRow) throws(DatabaseError) {
        at = try row.timestamp(0)
        min = try row.int64(1)
        avg = try row.string(2)
        max = try row.int64(3)
        offers = try row.int64(4)
        changes = try row.int64(5)
    }

    public var json: JSONValue {
        ["at": .string(at), "min": .int(min), "avg": .number(avg), "max": .int(max), "offers": .int(offers), "changes": .int(changes)]
    }

    static let schema: JSONValue = [
        "type": "object",
        "required": ["at", "min", "avg", "max", "offers", "changes"],
        "properties": [
            "at": ["type": "string", "format": "date-time", "description": "Start of the bucket (UTC)."],
            "min": ["type": "integer", "minimum": 0, "description": "Lowest price recorded in the bucket."],
            "avg": ["type": "number", "minimum": 0, "description": "Plain mean of the prices recorded in the bucket, exact to two decimals."],
            "max": ["type": "integer", "minimum": 0, "description": "Highest price recorded in the bucket."],
            "offers": ["type": "integer", "minimum": 1, "description": "Distinct offers with a recorded price in the bucket."],
            "changes": ["type": "integer", "minimum": 1, "description": "Events recorded in the bucket: offers that appeared, changed price or stock, or disappeared."],
        ],
    ]
}
