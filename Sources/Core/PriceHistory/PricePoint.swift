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

    /// What `writeArray` found.
    enum Outcome: Equatable {
        case written
        /// Nothing written: there is no such product.
        case noSuchProduct
        /// Nothing written: the read's rendered days were behind, so it lacks hours
        /// (`PriceHistoryStore.hoursSQL`); read again without them.
        case renderedDaysBehind
    }

    /// Appends a history read's rows as a JSON array of points, unless the read's first
    /// rows say otherwise.
    ///
    /// The read's columns (`PriceHistoryStore`): the six members, then a closed day's points
    /// already rendered (`PriceHistoryDays`; NULL on a row that is one point). First, in this
    /// order, may come a row whose `at` is NULL, the read's "no such product" (the product's
    /// existence is checked in the same statement, so a read is one round trip), and one
    /// whose `at` is `-infinity`, "rendered days behind".
    static func writeArray(of result: PostgresResult, into output: inout [UInt8]) throws(DatabaseError) -> Outcome {
        try PostgresJSONText.checkColumns(of: result, are: kinds)
        let rendered = members.count
        guard result.columnCount == rendered + 1, String.accepts(result.type(rendered)) else {
            throw .decoding("a price-history read has the \(members.count) points' columns and then a text column of rendered days")
        }
        if result.rowCount > 0, result.isNull(row: 0, column: 0) { return .noSuchProduct }
        if result.rowCount > 0, let at = result.bytes(row: 0, column: 0), at.elementsEqual("-infinity".utf8) { return .renderedDaysBehind }
        // The whole answer's size, so the bytes are never copied to a larger buffer: a
        // month's answer is ~65 KB, mostly rendered days.
        var size = output.count + 2
        for row in 0..<result.rowCount { size += (result.bytes(row: row, column: rendered)?.count ?? 96) + 1 }
        output.reserveCapacity(size)
        output.append(UInt8(ascii: "["))
        for row in 0..<result.rowCount {
            if row > 0 { output.append(UInt8(ascii: ",")) }
            if let day = result.bytes(row: row, column: rendered) {
                output.append(contentsOf: day)
            } else {
                try writeObject(of: result, row: row, from: 0, into: &output)
            }
        }
        output.append(UInt8(ascii: "]"))
        return .written
    }

    /// Appends rows `rows` of `result`, whose six members start at column `first`, as JSON
    /// objects separated by commas: a closed day as `PriceHistoryDays` keeps it, spliced
    /// into reads as it is. One writer for both, so a rendered day is byte for byte what
    /// the read would have written from the day's roll-ups.
    static func writeObjects(of result: PostgresResult, rows: Range<Int>, from first: Int, into output: inout [UInt8]) throws(DatabaseError) {
        try PostgresJSONText.checkColumns(of: result, from: first, are: kinds)
        for row in rows {
            if row > rows.lowerBound { output.append(UInt8(ascii: ",")) }
            try writeObject(of: result, row: row, from: first, into: &output)
        }
    }

    private static func writeObject(of result: PostgresResult, row: Int, from first: Int, into output: inout [UInt8]) throws(DatabaseError) {
        for member in 0..<members.count {
            output.append(contentsOf: prefixes[member])
            try PostgresJSONText.append(result, row: row, column: first + member, as: kinds[member], into: &output)
        }
        output.append(UInt8(ascii: "}"))
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
