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

    /// The column's PostgreSQL type (an existing column).
    func type(_ column: Int) -> PostgresType { PostgresType(rawValue: PQftype(handle, Int32(column))) }

    func columnName(_ column: Int) -> String { String(cString: PQfname(handle, Int32(column))) }

    /// Decodes every row as a type that decodes itself (`Product`, `User`).
    public func decode<T: PostgresRowDecodable>(_ type: T.Type) throws(DatabaseError) -> [T] {
        var values: [T] = []
        values.reserveCapacity(rowCount)
        for row in rows { values.append(try T(row: row)) }
        return values
    }

    /// Decodes every row's first column: `decode(Int64.self)`.
    public func decode<T: PostgresDecodable>(_ type: T.Type) throws(DatabaseError) -> [T] {
        var values: [T] = []
        values.reserveCapacity(rowCount)
        for row in rows { values.append(try T.decode(from: row, column: 0)) }
        return values
    }

    /// Decodes every row's columns by type, in order: `decode((Int64, String?).self)`.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type) throws(DatabaseError) -> [(repeat each T)] {
        var values: [(repeat each T)] = []
        values.reserveCapacity(rowCount)
        for row in rows { values.append(try row.decode(types)) }
        return values
    }
}

/// A type built from one result row; the SQL that selects it lives next to it, and its
/// `init(row:)` decodes the columns by type with `PostgresRow.decode(_:from:)`.
public protocol PostgresRowDecodable {
    init(row: PostgresRow) throws(DatabaseError)
}

/// One row of a result.
///
/// Stores decode a row by type in column order (`decode((Int64, String, Timestamp?).self)`):
/// each column's PostgreSQL type is checked against the Swift type that reads it, without
/// allocating more than the values themselves. The positional accessors (`int64(3)`) make
/// the same checks, for ad-hoc reads (tests, one-column answers).
public struct PostgresRow {
    let result: PostgresResult
    let index: Int

    /// The columns from `column` on, decoded as `types` in order: `(Int64, String?)`
    /// reads an integer column and a nullable text column. Throws `.decoding` for a
    /// missing column, a column of a type the Swift type does not read, NULL in a
    /// non-optional, or malformed text.
    public func decode<each T: PostgresDecodable>(_ types: (repeat each T).Type, from column: Int = 0) throws(DatabaseError) -> (repeat each T) {
        var next = column
        func decodeNext<U: PostgresDecodable>(_ type: U.Type) throws(DatabaseError) -> U {
            defer { next += 1 }
            return try U.decode(from: self, column: next)
        }
        return (repeat try decodeNext((each T).self))
    }

    /// One column, `column` (the first by default), as `type`: the same checks.
    public func decode<T: PostgresDecodable>(_ type: T.Type, from column: Int = 0) throws(DatabaseError) -> T {
        try T.decode(from: self, column: column)
    }

    public func isNull(_ column: Int) -> Bool { result.isNull(row: index, column: column) }

    public func optionalString(_ column: Int) throws(DatabaseError) -> String? { try String?.decode(from: self, column: column) }

    public func string(_ column: Int) throws(DatabaseError) -> String { try String.decode(from: self, column: column) }

    public func int64(_ column: Int) throws(DatabaseError) -> Int64 { try Int64.decode(from: self, column: column) }

    public func optionalInt64(_ column: Int) throws(DatabaseError) -> Int64? { try Int64?.decode(from: self, column: column) }

    public func bool(_ column: Int) throws(DatabaseError) -> Bool { try Bool.decode(from: self, column: column) }

    /// A `timestamptz` as RFC 3339 UTC with whole seconds (see `Timestamp`).
    public func timestamp(_ column: Int) throws(DatabaseError) -> String { try Timestamp.decode(from: self, column: column).rfc3339 }

    public func optionalTimestamp(_ column: Int) throws(DatabaseError) -> String? {
        try Timestamp?.decode(from: self, column: column)?.rfc3339
    }
}
