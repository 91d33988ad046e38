/// One statement and its values, built by string interpolation so that each value sits
/// where it is used: `"SELECT … WHERE p.id = \(id) AND p.name = \(name)"` becomes the text
/// `… WHERE p.id = $1 AND p.name = $2` and the bindings `[id, name]`, numbered in order.
///
/// An interpolated value is always a parameter, never SQL text: the only way to put text
/// into the statement is a literal or `\(unescaped:)`, which takes fragments of our own
/// (a column list, `FOR UPDATE`), never a request's. Values become `$n`, so the text is
/// the same for every value and the prepared-statement cache (`StatementMode.prepared`),
/// keyed on it, stays small. Each use of a value is a parameter of its own; a value used
/// twice is interpolated twice. A type PostgreSQL cannot infer from where a parameter
/// stands is written as a cast after it: `\(after)::bigint IS NULL`.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// The statement's text, with `$1…$n` where the values go.
    public private(set) var text: String
    /// The values' text in parameter order (libpq's text format); `nil` is SQL NULL.
    public private(set) var bindings: [String?]

    public init(stringLiteral value: String) {
        text = value
        bindings = []
    }

    public init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
        bindings = stringInterpolation.bindings
    }

    /// A statement without values from trusted text (built by our code, never a request's).
    public init(unescaped text: String) {
        self.text = text
        bindings = []
    }

    /// Text already numbered and its values: for tests that put `EXPLAIN` in front.
    init(text: String, bindings: [String?]) {
        self.text = text
        self.bindings = bindings
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text: String
        var bindings: [String?]

        public init(literalCapacity: Int, interpolationCount: Int) {
            text = ""
            text.reserveCapacity(literalCapacity + 4 * interpolationCount)
            bindings = []
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// A value: bound as the next parameter, `$n` in the text.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) { bind(value.postgresText) }

        /// An optional value: `nil` is bound as SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) { bind(value.postgresText) }

        private mutating func bind(_ text: String?) {
            bindings.append(text)
            self.text += "$"
            self.text += String(bindings.count)
        }

        /// A fragment of SQL of our own, spliced as it is. Never pass a request's text.
        public mutating func appendInterpolation(unescaped fragment: String) { text += fragment }

        /// A statement built on its own (a subquery), with its values: its parameters are
        /// renumbered to follow the ones already bound. Its text has `$n` only where its own
        /// interpolation put them (`SQLStyleTests` keeps hand-written `$n` out of `Sources/`).
        public mutating func appendInterpolation(_ statement: SQL) {
            let offset = bindings.count
            bindings += statement.bindings
            // First in its statement (the usual place: `SELECT … FROM (\(points)) …`) its
            // numbers stand as they are.
            guard offset > 0, !statement.bindings.isEmpty else { return text += statement.text }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(statement.text.utf8.count + statement.bindings.count)
            // After a `$`: the digits read so far (nil: none yet, or not after a `$`).
            var afterDollar = false
            var number: Int?
            for byte in statement.text.utf8 {
                let digit = byte &- UInt8(ascii: "0")
                if afterDollar, digit < 10 {
                    number = (number ?? 0) * 10 + Int(digit)
                    continue
                }
                if let current = number { bytes.append(contentsOf: String(current + offset).utf8) }
                number = nil
                afterDollar = byte == UInt8(ascii: "$")
                bytes.append(byte)
            }
            if let current = number { bytes.append(contentsOf: String(current + offset).utf8) }
            text += String(decoding: bytes, as: UTF8.self)
        }
    }
}
