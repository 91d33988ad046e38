/// One point of a product's price history: the prices recorded in one bucket, as
/// `PriceHistoryStore.writePoints` reads them and the response carries them.
///
/// PostgreSQL writes each point's JSON object (`offer_price_point`, migrations/0012) from
/// the typed values: the bucket's start as RFC 3339 UTC, `min` and `max` (the offers
/// service's integer amounts, as `GET /products/{id}/offers` shows them), `avg` (the exact
/// mean rounded to two decimals, as `numeric` text: like every price in the API a JSON
/// number from its decimal text, never through floating point), `offers` (distinct offers
/// with a recorded price in the bucket) and `changes` (events recorded in the bucket,
/// disappearances included). The same function renders the hours the database keeps
/// (`offer_price_days`), so one writer forms every point, and the worker only joins them.
///
/// No model in between: a month of hours is 720 points; building a `JSONValue` tree for
/// them took ~2 ms of the worker per request, more than PostgreSQL took to read them.
public enum PricePoint {
    /// Appends a history read's rows as a JSON array of points, or returns false, with
    /// nothing appended, if the first row says there is no such product.
    ///
    /// The read's columns (`PriceHistoryStore`): a bucket's start (`timestamptz`; NULL on
    /// the "no such product" row, which comes first) and its points' JSON text: one point,
    /// or a day's points joined by commas, possibly none (empty text, skipped).
    static func writeArray(of result: PostgresResult, into output: inout [UInt8]) throws(DatabaseError) -> Bool {
        guard result.columnCount == 2, result.type(0) == .timestamptz, String.accepts(result.type(1)) else {
            throw .decoding("a price-history read has a bucket's start and its points' text")
        }
        if result.rowCount > 0, result.isNull(row: 0, column: 0) { return false }
        // The whole answer's size, so the bytes are never copied to a larger buffer: a
        // month's answer is ~65 KB.
        var size = output.count + 2
        for row in 0..<result.rowCount { size += (result.bytes(row: row, column: 1)?.count ?? 0) + 1 }
        output.reserveCapacity(size)
        output.append(UInt8(ascii: "["))
        var first = true
        for row in 0..<result.rowCount {
            guard let points = result.bytes(row: row, column: 1) else {
                throw .decoding("a price-history point at row \(row) is NULL")
            }
            guard !points.isEmpty else { continue }
            if !first { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: points)
            first = false
        }
        output.append(UInt8(ascii: "]"))
        return true
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
