/// Copies a result value's text into a JSON document as a JSON value, for reads that
/// return many rows of numbers and timestamps (`PricePoint`): PostgreSQL's text output
/// of these types already is the JSON text, once checked.
enum PostgresJSONText {
    enum Kind {
        /// `bigint`/`integer`: `-?[0-9]+`.
        case integer
        /// `numeric` rounded by the SQL: `-?[0-9]+(\.[0-9]+)?` (not `NaN` or `Infinity`).
        case decimal
        /// `timestamptz` in UTC (the connection's `TimeZone`), written as an RFC 3339 string.
        case timestamp
    }

    /// Checks once per result that each column is of a PostgreSQL type the kind reads, as
    /// `PostgresRow.decode` does for every other statement: a select list that drifted from
    /// its writer is a decoding error, never values copied from the wrong columns.
    /// The kinds are those of the columns from `first` on; the caller checks any others.
    static func checkColumns(of result: PostgresResult, from first: Int = 0, are kinds: [Kind]) throws(DatabaseError) {
        guard result.columnCount >= first + kinds.count else {
            throw .decoding("the result has \(result.columnCount) columns, not \(first + kinds.count)")
        }
        for (offset, kind) in kinds.enumerated() {
            let column = first + offset
            let type = result.type(column)
            let accepted = switch kind {
            case .integer: Int64.accepts(type)
            case .decimal: type == .numeric || type == .text
            case .timestamp: type == .timestamptz
            }
            guard accepted else {
                throw .decoding("column \(column) (\(result.columnName(column))) is PostgreSQL type \(type.rawValue), not a JSON \(kind)")
            }
        }
    }

    /// Appends the value, or throws `.decoding` if it is NULL or not of the kind's form.
    static func append(_ result: PostgresResult, row: Int, column: Int, as kind: Kind, into output: inout [UInt8]) throws(DatabaseError) {
        guard let bytes = result.bytes(row: row, column: column) else {
            throw .decoding("column \(result.columnName(column)) is NULL")
        }
        let valid = switch kind {
        case .integer: isNumber(bytes, fraction: false)
        case .decimal: isNumber(bytes, fraction: true)
        case .timestamp: Timestamp.appendRFC3339(fromPostgres: bytes, quotedInto: &output)
        }
        guard valid else { throw .decoding("column \(result.columnName(column)) is not a JSON \(kind)") }
        if kind != .timestamp { output.append(contentsOf: bytes) }
    }

    private static func isNumber(_ bytes: UnsafeBufferPointer<UInt8>, fraction: Bool) -> Bool {
        var index = bytes.first == UInt8(ascii: "-") ? 1 : 0
        func digits() -> Bool {
            let start = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return index > start
        }
        guard digits() else { return false }
        if fraction, index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() else { return false }
        }
        return index == bytes.count
    }
}
