/// A Swift value that can be read from one result column.
///
/// Rows are decoded by type, in column order (`PostgresRow.decode(_:from:)`): each type
/// names the PostgreSQL types it reads (`PostgresTextDecodable.accepts`), so a column of
/// another type — a statement whose select list and decoder drifted apart — is a
/// `DatabaseError.decoding`, never a value read silently from the wrong column.
public protocol PostgresDecodable {
    static func decode(from row: PostgresRow, column: Int) throws(DatabaseError) -> Self
}

/// A non-optional value read from its text form (libpq's text format), from columns of
/// the PostgreSQL types it accepts. NULL is an error; `Optional` reads it as `nil`.
public protocol PostgresTextDecodable: PostgresDecodable {
    /// Whether a column of `type` holds values of this Swift type.
    static func accepts(_ type: PostgresType) -> Bool
    /// The value from the column's text (valid for the call only); `nil` when malformed.
    init?(postgresText bytes: UnsafeBufferPointer<UInt8>)
}

extension PostgresTextDecodable {
    public static func decode(from row: PostgresRow, column: Int) throws(DatabaseError) -> Self {
        let result = row.result
        guard column < result.columnCount else { throw .decoding("column \(column) is missing (the row has \(result.columnCount))") }
        let type = result.type(column)
        guard accepts(type) else {
            throw .decoding("column \(column) (\(result.columnName(column))) is PostgreSQL type \(type.rawValue), which \(Self.self) does not read")
        }
        guard let bytes = result.bytes(row: row.index, column: column) else {
            throw .decoding("column \(column) (\(result.columnName(column))) is NULL")
        }
        guard let value = Self(postgresText: bytes) else {
            throw .decoding("column \(column) (\(result.columnName(column))) is not a \(Self.self)")
        }
        return value
    }
}

/// A nullable column: `nil` for NULL, else the wrapped type's decoding (and its type check).
extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from row: PostgresRow, column: Int) throws(DatabaseError) -> Wrapped? {
        column < row.result.columnCount && row.isNull(column) ? nil : try Wrapped.decode(from: row, column: column)
    }
}

/// A result column's PostgreSQL type (its OID), as far as decoding cares.
public struct PostgresType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let bool = PostgresType(rawValue: 16)
    public static let name = PostgresType(rawValue: 19)
    public static let int8 = PostgresType(rawValue: 20)
    public static let int2 = PostgresType(rawValue: 21)
    public static let int4 = PostgresType(rawValue: 23)
    public static let text = PostgresType(rawValue: 25)
    public static let float4 = PostgresType(rawValue: 700)
    public static let float8 = PostgresType(rawValue: 701)
    /// An untyped literal (`SELECT 'x'`).
    public static let unknown = PostgresType(rawValue: 705)
    public static let bpchar = PostgresType(rawValue: 1042)
    public static let varchar = PostgresType(rawValue: 1043)
    public static let timestamptz = PostgresType(rawValue: 1184)
    public static let numeric = PostgresType(rawValue: 1700)
    public static let uuid = PostgresType(rawValue: 2950)
}

extension String: PostgresTextDecodable {
    /// Text types, and `uuid`, whose text is its canonical lower-case form.
    public static func accepts(_ type: PostgresType) -> Bool {
        type == .text || type == .varchar || type == .bpchar || type == .name || type == .uuid || type == .unknown
    }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) { self = String(decoding: bytes, as: UTF8.self) }
}

extension Int64: PostgresTextDecodable {
    public static func accepts(_ type: PostgresType) -> Bool { type == .int8 || type == .int4 || type == .int2 }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) { self.init(decimal: bytes) }
}

extension Int: PostgresTextDecodable {
    public static func accepts(_ type: PostgresType) -> Bool { Int64.accepts(type) }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) {
        guard let value = Int64(decimal: bytes) else { return nil }
        self.init(value)
    }
}

extension Bool: PostgresTextDecodable {
    public static func accepts(_ type: PostgresType) -> Bool { type == .bool }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 1 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "t"): self = true
        case UInt8(ascii: "f"): self = false
        default: return nil
        }
    }
}

extension Double: PostgresTextDecodable {
    public static func accepts(_ type: PostgresType) -> Bool { type == .float8 || type == .float4 }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) { self.init(String(decoding: bytes, as: UTF8.self)) }
}

/// A `String`-backed enum stored as text (a role, a registration state): an unknown
/// value is a decoding error rather than a silent default.
extension PostgresTextDecodable where Self: RawRepresentable, RawValue == String {
    public static func accepts(_ type: PostgresType) -> Bool { String.accepts(type) }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) {
        self.init(rawValue: String(decoding: bytes, as: UTF8.self))
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
