/// One point of a product's price history: the prices recorded in one bucket, read by
/// `PriceHistoryStore.writePoints` in the column order below and written straight from the
/// result's text to the response's JSON.
///
/// No model in between: a month of hours is 720 points, and building a `JSONValue` tree
/// for them (a dictionary, six values and their strings per point) took ~2 ms of the
/// worker per request, more than PostgreSQL took to read them (perf, `make bench`).
/// Each value is still checked for the JSON type its schema declares before it is copied.
public enum PricePoint {
    /// The result's columns, in order: the bucket's start (`timestamptz`, written as
    /// RFC 3339 UTC), `min` and `max` (the offers service's integer amounts, as
    /// `GET /products/{id}/offers` shows them), `avg` (the exact mean rounded to two
    /// decimals, as `numeric` text: like every price in the API a JSON number from its
    /// decimal text, never through floating point), `offers` (distinct offers with a
    /// recorded price in the bucket) and `changes` (events recorded in the bucket,
    /// disappearances included).
    static let members: [(name: String, kind: PostgresJSONText.Kind)] = [
        ("at", .timestamp), ("min", .integer), ("avg", .decimal), ("max", .integer), ("offers", .integer), ("changes", .integer),
    ]

    private static let kinds = members.map(\.kind)

    /// Each member's `{"name":` or `,"name":`, as bytes once: appending a `String`'s UTF-8
    /// view per value cost more than the values themselves.
    private static let prefixes: [[UInt8]] = members.enumerated().map { column, member in
        Array(((column == 0 ? "{" : ",") + "\"\(member.name)\":").utf8)
    }

    /// Appends the result's rows as a JSON array of points.
    static func writeArray(of result: PostgresResult, into output: inout [UInt8]) throws(DatabaseError) {
        try PostgresJSONText.checkColumns(of: result, are: kinds)
        output.reserveCapacity(output.count + result.rowCount * 96 + 2)
        output.append(UInt8(ascii: "["))
        for row in 0..<result.rowCount {
            if row > 0 { output.append(UInt8(ascii: ",")) }
            for column in 0..<members.count {
                output.append(contentsOf: prefixes[column])
                try PostgresJSONText.append(result, row: row, column: column, as: kinds[column], into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "]"))
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
