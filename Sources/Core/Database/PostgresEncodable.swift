/// A Swift value that can be bound as a statement parameter.
///
/// Parameters travel in libpq's text format; `nil` text is SQL NULL. Values are never
/// spliced into SQL: every statement is parameterised (`$1`, `$2`, …).
public protocol PostgresEncodable {
    var postgresText: String? { get }
}

extension String: PostgresEncodable { public var postgresText: String? { self } }
extension Substring: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int32: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int64: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Bool: PostgresEncodable { public var postgresText: String? { self ? "t" : "f" } }

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}
