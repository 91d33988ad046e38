/// A Swift value that can be bound as a statement parameter.
///
/// Parameters travel in libpq's text format; `nil` text is SQL NULL. Values are never
/// spliced into SQL: a statement's values are interpolated into `SQL`, which binds each
/// as a parameter (`$1`, `$2`, …).
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

/// An array parameter, as PostgreSQL's array literal: `{"a","b\"c",NULL}`. Every element
/// is quoted (backslash before `"` and `\`), so no element's text can end or split the
/// literal; the statement names the element type with a cast (`\(ids)::uuid[]`).
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresText: String? {
        var literal = "{"
        for (position, element) in enumerated() {
            if position > 0 { literal += "," }
            guard let text = element.postgresText else {
                literal += "NULL"
                continue
            }
            literal += "\""
            for character in text.unicodeScalars {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.unicodeScalars.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }
}
