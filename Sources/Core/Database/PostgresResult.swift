import CLibPQ

/// The rows of one statement's result, owning the libpq `PGresult`.
public final class PostgresResult {
    private let handle: OpaquePointer
    public let rowCount: Int
    public let columnCount: Int

    init(_ handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
    }

    deinit { PQclear(handle) }

    /// Rows affected by an INSERT/UPDATE/DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public var rows: [PostgresRow] { (0..<rowCount).map { PostgresRow(result: self, index: $0) } }

    public var first: PostgresRow? { rowCount > 0 ? PostgresRow(result: self, index: 0) : nil }

    /// Whether the value is SQL NULL (or the column does not exist), without copying it.
    func isNull(row: Int, column: Int) -> Bool {
        column >= columnCount || PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The value's text as bytes inside libpq's result (valid while the result lives),
    /// or `nil` for NULL: lets numbers and timestamps be decoded without a `String` first.
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8>? {
        guard !isNull(row: row, column: column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: length)
    }

    func text(row: Int, column: Int) -> String? {
        bytes(row: row, column: column).map { String(decoding: $0, as: UTF8.self) }
    }

    func columnName(_ column: Int) -> String { String(cString: PQfname(handle, Int32(column))) }

    /// Decodes every row.
    public func decode<T: PostgresRowDecodable>(_ type: T.Type) throws(DatabaseError) -> [T] {
        var values: [T] = []
        values.reserveCapacity(rowCount)
        for row in rows { values.append(try T(row: row)) }
        return values
    }
}

/// A type built from one result row; the SQL that selects it lives next to it.
public protocol PostgresRowDecodable {
    init(row: PostgresRow) throws(DatabaseError)
}

/// One row of a result, with typed accessors by column position.
///
/// Positions rather than names keep decoding allocation-free; each domain's SQL and its
/// decoder sit in the same file so the two cannot drift apart unnoticed.
public struct PostgresRow {
    let result: PostgresResult
    let index: Int

    public func isNull(_ column: Int) -> Bool { result.isNull(row: index, column: column) }

    public func optionalString(_ column: Int) -> String? { result.text(row: index, column: column) }

    public func string(_ column: Int) throws(DatabaseError) -> String {
        guard let text = result.text(row: index, column: column) else { throw nullError(column) }
        return text
    }

    public func int64(_ column: Int) throws(DatabaseError) -> Int64 {
        guard let bytes = result.bytes(row: index, column: column) else { throw nullError(column) }
        guard let value = Int64(decimal: bytes) else { throw .decoding("column \(result.columnName(column)) is not an integer") }
        return value
    }

    public func optionalInt64(_ column: Int) throws(DatabaseError) -> Int64? {
        isNull(column) ? nil : try int64(column)
    }

    public func bool(_ column: Int) throws(DatabaseError) -> Bool {
        try string(column) == "t"
    }

    /// A `timestamptz` as RFC 3339 UTC with whole seconds (`2026-11-23T10:00:00Z`).
    /// Connections run with `TimeZone=UTC` and ISO `DateStyle`, so the server's text is
    /// `2026-11-23 10:00:00.123456+00`.
    public func timestamp(_ column: Int) throws(DatabaseError) -> String {
        guard let bytes = result.bytes(row: index, column: column) else { throw nullError(column) }
        guard let value = Timestamp.rfc3339(fromPostgres: bytes) else {
            throw .decoding("column \(result.columnName(column)) is not a UTC timestamp")
        }
        return value
    }

    public func optionalTimestamp(_ column: Int) throws(DatabaseError) -> String? {
        isNull(column) ? nil : try timestamp(column)
    }

    private func nullError(_ column: Int) -> DatabaseError {
        .decoding("column \(column < result.columnCount ? result.columnName(column) : String(column)) is NULL or missing")
    }
}

/// Timestamp text conversion between PostgreSQL and the API.
public enum Timestamp {
    /// `2026-11-23 10:00:00.123456+00` → `2026-11-23T10:00:00Z`; `nil` unless UTC.
    public static func rfc3339(fromPostgres text: String) -> String? {
        var text = text
        return text.withUTF8 { rfc3339(fromPostgres: $0) }
    }

    /// The same, from the bytes of the server's text, written straight into the result.
    public static func rfc3339(fromPostgres bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isUTC(bytes) else { return nil }
        return String(unsafeUninitializedCapacity: 20) { output in
            write(bytes, into: output)
            return 20
        }
    }

    /// The same as a JSON string (in quotes) appended to `output`; false (nothing
    /// appended) unless UTC.
    static func appendRFC3339(fromPostgres bytes: UnsafeBufferPointer<UInt8>, quotedInto output: inout [UInt8]) -> Bool {
        guard isUTC(bytes) else { return false }
        let start = output.count
        output.append(contentsOf: quotedTemplate)
        output.withUnsafeMutableBufferPointer { write(bytes, into: UnsafeMutableBufferPointer(rebasing: $0[start + 1..<start + 21])) }
        return true
    }

    private static let quotedTemplate = [UInt8](repeating: UInt8(ascii: "\""), count: 22)

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`: the server's ISO text of a UTC moment.
    private static func isUTC(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        return n >= 22 && bytes[10] == UInt8(ascii: " ") && bytes[n - 3] == UInt8(ascii: "+")
            && bytes[n - 2] == UInt8(ascii: "0") && bytes[n - 1] == UInt8(ascii: "0")
    }

    /// The 20 bytes of `YYYY-MM-DDTHH:MM:SSZ` (whole seconds) into `output`.
    private static func write(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<10 { output[i] = bytes[i] }
        output[10] = UInt8(ascii: "T")
        for i in 11..<19 { output[i] = bytes[i] }
        output[19] = UInt8(ascii: "Z")
    }
}

extension Int64 {
    /// Parses an optional sign (`-` or `+`) and ASCII digits, the whole buffer; `nil` on
    /// anything else or on overflow: what `Int64(String)` accepts, for PostgreSQL's
    /// integer output.
    init?(decimal bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { index = 1 }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        self = value
    }
}
