import Core
import TestSupport

/// Random inputs for the unit fuzz tests, drawn from a `SeededGenerator`: valid JSON
/// values (for round trips), number literals by the RFC 8259 grammar, and text over
/// alphabets chosen to hit each decoder's edge cases.
enum FuzzValues {
    /// A valid JSON value within `JSONParser.Limits.requestBody`: at most four levels,
    /// six members or elements per container, unique keys, strings with every kind of
    /// character the encoder must escape.
    static func jsonValue<G: RandomNumberGenerator>(depth: Int = 0, using generator: inout G) -> JSONValue {
        let containers = depth < 4
        switch Int.random(in: 0..<(containers ? 8 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2, 3: return .number(numberLiteral(using: &generator))
        case 4, 5: return .string(text(maxLength: 12, using: &generator))
        case 6:
            return .array((0..<Int.random(in: 0...6, using: &generator)).map { _ in jsonValue(depth: depth + 1, using: &generator) })
        default:
            var members: [(String, JSONValue)] = []
            var keys = Set<String>()
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                let key = text(maxLength: 6, using: &generator)
                guard keys.insert(key).inserted else { continue }
                members.append((key, jsonValue(depth: depth + 1, using: &generator)))
            }
            return .object(JSONObject(members))
        }
    }

    /// A number literal by the JSON grammar `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`,
    /// often with long digit runs or exponents, sometimes one of `HostileJSON.numbers`.
    static func numberLiteral<G: RandomNumberGenerator>(using generator: inout G) -> String {
        if Int.random(in: 0..<6, using: &generator) == 0 { return HostileJSON.numbers.randomElement(using: &generator)! }
        var literal = Bool.random(using: &generator) ? "-" : ""
        if Int.random(in: 0..<4, using: &generator) == 0 {
            literal += "0"
        } else {
            literal += String(Int.random(in: 1...9, using: &generator)) + digits(upTo: longRun(using: &generator), using: &generator)
        }
        if Bool.random(using: &generator) {
            literal += "." + String(Int.random(in: 0...9, using: &generator)) + digits(upTo: longRun(using: &generator), using: &generator)
        }
        if Bool.random(using: &generator) {
            literal += ["e", "E"].randomElement(using: &generator)! + ["", "+", "-"].randomElement(using: &generator)!
            literal += String(Int.random(in: 0...9, using: &generator)) + digits(upTo: longRun(using: &generator), using: &generator)
        }
        return literal
    }

    /// Mostly short, now and then long enough to overflow any fixed-width integer.
    private static func longRun<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        Int.random(in: 0..<8, using: &generator) == 0 ? 40 : 4
    }

    static func digits<G: RandomNumberGenerator>(upTo count: Int, using generator: inout G) -> String {
        String((0..<Int.random(in: 0...count, using: &generator)).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// Characters that matter to JSON, URLs, emails and ISBNs, plus control characters,
    /// NUL, combining marks, non-BMP scalars and line separators.
    static let alphabet: [Character] = Array("aZ09 -_.~+%&=;:,/?#@\"\\'<>{}[]Xx") + [
        "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "\n", "\t", "é", "e\u{301}", "ß", "İ", "€", "😀", "\u{2028}", "\u{FEFF}", "٣",
    ]

    static func text<G: RandomNumberGenerator>(maxLength: Int, from alphabet: [Character] = alphabet, using generator: inout G) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// Arbitrary bytes: often invalid UTF-8.
    static func bytes<G: RandomNumberGenerator>(maxLength: Int, using generator: inout G) -> [UInt8] {
        (0..<Int.random(in: 0...maxLength, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
