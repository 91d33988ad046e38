/// How a product's mean offer price moved over a period: the mean of the offers in force
/// at the period's start, from the history, against the mean of those in force now (the
/// product's offers, which the sync writes in the statement that records their events).
///
/// An offer is in force at a moment when its latest event at or before it is not a
/// disappearance; its price then is that event's (each event carries the count and price
/// sum of the offers in force after it). When no offer was in force at the
/// start (the history does not reach back that far, or the product had none), or none
/// is now, there is nothing to compare: that end's `avg`, `change_percent` and
/// `direction` are null. When the start's mean is 0 the percentage is undefined (null)
/// and `direction` says whether the price rose from nothing (`up`) or stayed (`flat`).
public struct PriceTrend: Sendable, Equatable {
    public var productID: Int64
    public var period: PricePeriod
    public var from: RFC3339Instant
    public var to: RFC3339Instant
    /// Means rounded to two decimals, and the change in percent rounded to two decimals,
    /// as PostgreSQL's exact numeric text; nil as described above.
    public var fromAverage: String?
    public var toAverage: String?
    public var changePercent: String?
    public var direction: Direction?

    public enum Direction: String, Sendable, CaseIterable {
        case up, down, flat
    }

    public var json: JSONValue {
        [
            "product_id": .int(productID),
            "period": .string(period.rawValue),
            "from": ["at": .string(from.description), "avg": fromAverage.map(JSONValue.number) ?? .null],
            "to": ["at": .string(to.description), "avg": toAverage.map(JSONValue.number) ?? .null],
            "change_percent": changePercent.map(JSONValue.number) ?? .null,
            "direction": direction.map { .string($0.rawValue) } ?? .null,
        ]
    }

    static let schema: JSONValue = [
        "type": "object",
        "required": ["product_id", "period", "from", "to", "change_percent", "direction"],
        "properties": [
            "product_id": OpenAPI.idSchema,
            "period": ["type": "string", "enum": .array(PricePeriod.allCases.map { .string($0.rawValue) })],
            "from": endSchema("The period's start: the mean price of the offers in force then (null if none was)."),
            "to": endSchema("Now: the mean price of the offers in force (null if none is)."),
            "change_percent": ["type": ["number", "null"],
                               "description": "(to.avg − from.avg) / from.avg × 100, rounded to two decimals; null when either mean is null or from.avg is 0."],
            "direction": ["type": ["string", "null"], "enum": ["up", "down", "flat", .null],
                          "description": "The sign of change_percent (flat for 0); when from.avg is 0, up if to.avg is above it, else flat; null when either mean is null."],
        ],
    ]

    private static func endSchema(_ description: String) -> JSONValue {
        [
            "type": "object",
            "description": .string(description),
            "required": ["at", "avg"],
            "properties": [
                "at": ["type": "string", "format": "date-time"],
                "avg": ["type": ["number", "null"], "minimum": 0, "description": "Mean offer price, exact to two decimals."],
            ],
        ]
    }
}
