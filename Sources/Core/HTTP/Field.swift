/// One body field's rules, declared once: its name, JSON type, bounds, format and
/// descriptions. `FieldReader` validates by it (`FieldReader+Field`), and the request and
/// response schemas of the OpenAPI document are derived from it (`Field+Schema`), so the
/// rule a client reads is the rule the service applies. `FieldDeclarationTests` compares
/// the declarations with the migrations' constraints in a migrated database.
///
/// Declarations live with their module's input (`ProductInput`, `LibraryInput`,
/// `AccountInput`); a use that differs only in its description (`described`) or that
/// checks only the shape (`shapeOnly`) is derived from the declaration, never restated.
public struct Field: Sendable {
    /// What the value is, with the bounds that kind has.
    public enum Kind: Sendable, Equatable {
        /// A JSON string, its length counted in Unicode code points (as PostgreSQL's
        /// `char_length` counts it).
        case text(length: ClosedRange<Int>)
        /// A JSON string that must be one of `values`; `length` bounds what is read
        /// before the comparison (and decides which message a wrong value gets).
        case choice([String], length: ClosedRange<Int>)
        /// A JSON integer (`1`, `1.0` and `1e0` alike) within the range.
        case integer(ClosedRange<Int64>)
        /// A JSON number read from its literal text (exact decimals such as money); the
        /// bounds are JSON number literals, checked by the type that parses the value.
        case decimal(minimum: String, maximum: String, multipleOf: String)
    }

    /// The parts of the declaration a response schema repeats. Responses describe stored
    /// values, which may be normalised (an email lower-cased, an ISBN without hyphens), so
    /// a declaration says which of its bounds still hold for what it sends back.
    public struct Shown: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `minLength`/`maxLength` of text.
        public static let length = Shown(rawValue: 1)
        /// `format`.
        public static let format = Shown(rawValue: 2)
        /// `minimum` and `maximum`.
        public static let range = Shown(rawValue: 4)
        /// `minimum` only.
        public static let minimum = Shown(rawValue: 8)
        /// `enum` of a choice.
        public static let choices = Shown(rawValue: 16)
        public static let all: Shown = [.length, .format, .range, .choices]
    }

    public let name: String
    public let kind: Kind
    /// Whether `null` is a value (stored as SQL NULL; the column is nullable).
    public private(set) var isNullable = false
    /// JSON Schema `format`.
    public private(set) var format: String?
    /// The request schema's `pattern`. Text refuses NUL (PostgreSQL text cannot hold it),
    /// so text declares `OpenAPI.noNUL` unless its format already rules NUL out.
    public private(set) var pattern: String?
    /// The request schema's description (a use may replace it: `described`).
    public private(set) var description: String?
    /// The response schema's description.
    public private(set) var responseDescription: String?
    /// Sent, never returned (passwords).
    public private(set) var isWriteOnly = false
    /// What the response schema repeats of the declaration.
    public private(set) var shown: Shown = .all

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
        if case .text = kind { pattern = OpenAPI.noNUL }
    }

    public static func text(_ name: String, length: ClosedRange<Int>, format: String? = nil) -> Field {
        Field(name, .text(length: length)).formatted(format)
    }

    public static func choice(_ name: String, _ values: [String], length: ClosedRange<Int>) -> Field {
        Field(name, .choice(values, length: length))
    }

    public static func integer(_ name: String, range: ClosedRange<Int64>, format: String? = nil) -> Field {
        Field(name, .integer(range)).formatted(format)
    }

    public static func decimal(_ name: String, minimum: String, maximum: String, multipleOf: String) -> Field {
        Field(name, .decimal(minimum: minimum, maximum: maximum, multipleOf: multipleOf))
    }

    /// The length bounds of text and choices.
    public var length: ClosedRange<Int>? {
        switch kind {
        case .text(let length), .choice(_, let length): length
        case .integer, .decimal: nil
        }
    }

    /// The bounds of an integer.
    public var range: ClosedRange<Int64>? {
        if case .integer(let range) = kind { range } else { nil }
    }

    // MARK: - Variations of a declaration

    public func nullable() -> Field { with { $0.isNullable = true } }
    public func formatted(_ format: String?) -> Field { with { $0.format = format } }
    public func described(_ description: String) -> Field { with { $0.description = description } }
    public func respondedAs(_ description: String) -> Field { with { $0.responseDescription = description } }
    public func writeOnly() -> Field { with { $0.isWriteOnly = true } }
    public func showing(_ shown: Shown) -> Field { with { $0.shown = shown } }
    /// For a format that excludes NUL by itself, so the request schema needs no pattern.
    public func withoutPattern() -> Field { with { $0.pattern = nil } }

    /// The same field checked only for its shape and upper bound: for values compared
    /// with what is stored and never stored themselves (a sign-in's email and password),
    /// where the field's other rules would tell a caller which part was wrong.
    public func shapeOnly(named name: String? = nil) -> Field {
        var kind = kind
        if case .text(let length) = kind { kind = .text(length: 0...length.upperBound) }
        var field = Field(name ?? self.name, kind)
        field.isWriteOnly = isWriteOnly
        return field
    }

    private func with(_ change: (inout Field) -> Void) -> Field {
        var copy = self
        change(&copy)
        return copy
    }
}
