/// Inputs that have broken JSON parsers and number handling elsewhere, as bytes, and a
/// mutator that turns any input into a near miss. Shared by the unit fuzz tests (parser,
/// money, query strings, cursors) and the end-to-end ones (every body route).
///
/// Byte-level on purpose: much of what matters (invalid UTF-8, raw NUL, truncated
/// escapes) cannot even be held in a Swift `String` or a parsed JSON value.
public enum HostileJSON {
    /// Number literals at and past every edge: exponents of ±2^63 (which once made
    /// `abs(Int.min)` trap), integers around `Int64`'s limits, hundreds of digits,
    /// floating-point overflow and underflow, negative zero, prices just past two decimals
    /// or past the largest price.
    public static let numbers: [String] = [
        "1e-9223372036854775808", "1e9223372036854775808", "1e-9223372036854775807", "1e9223372036854775807",
        "-1e-9223372036854775808", "0e-9223372036854775808", "0e9223372036854775808", "1E+9223372036854775808",
        "1e-18446744073709551616", "1e99999999999999999999999999999999", "1e000000000000000000000000000002",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "1" + String(repeating: "0", count: 400),
        "0." + String(repeating: "0", count: 400) + "1", "1." + String(repeating: "0", count: 400),
        "1e400", "1e-400", "1.7976931348623157e309", "4.9e-325", "-0", "-0.0", "0e0", "0.00", "-0e-0",
        "9999999999.99", "9999999999.995", "10000000000", "1e10", "0.001", "0.01", "1.005", "150e-2", "1e2",
        "2026.0", "1e19", "9.223372036854775807e18", "-1", "-0.01",
    ]

    /// JSON string literals (quotes included) that are hostile or wrong: NUL escaped and
    /// raw, lone and reversed surrogates, invalid and overlong UTF-8, code points past
    /// U+10FFFF, truncated sequences and escapes, raw control characters.
    public static let strings: [[UInt8]] = [
        Array(#""\u0000""#.utf8), Array(#""a\u0000b""#.utf8), [0x22, 0x61, 0x00, 0x62, 0x22],
        Array(#""\ud800""#.utf8), Array(#""\udc00""#.utf8), Array(#""\udc00\ud800""#.utf8), Array(#""\ud800\u0041""#.utf8),
        Array(#""\ud83d\ude00""#.utf8), Array(#""\uDBFF\uDFFF""#.utf8), Array(#""\u12""#.utf8), Array(#""\uZZZZ""#.utf8),
        [0x22, 0xFF, 0x22], [0x22, 0xFE, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22], [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22],
        [0x22, 0x0A, 0x22], [0x22, 0x1F, 0x22], [0x22, 0x7F, 0x22], Array("\"\u{FEFF}bom\"".utf8), Array("\"\u{2028}\u{2029}\"".utf8),
        Array(#""\""#.utf8), Array(#""\x41""#.utf8), Array(#""unterminated"#.utf8), Array(#""é😀""#.utf8),
    ]

    /// Fragments a mutation splices in: structure, literals, near-literals, whitespace.
    public static let fragments: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "{}", "[]", "null", "true", "false", "nul", "tru", "NaN",
        "Infinity", "-", "+", ".", "e", "E", "0", "00", "01", "-0", "1.", ".5", "1e", "1e+", " ", "\t", "\r\n",
        "/*c*/", "//", ",]", ",}", "{\"a\":1,\"a\":2}", "[[[[[[[[", "]]]]]]]]",
    ].map { Array($0.utf8) } + [[0x00], [0xFF], [0x80], [0xC3], [0xEF, 0xBB, 0xBF]]

    /// `{"k0":0,"k1":0,...}`: one object with `members` members (80,000 of them is about
    /// 870 KB, under the 1 MiB body limit).
    public static func wideObject(members: Int) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(members * 11 + 2)
        for index in 0..<members {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += Array("\"k\(index)\":0".utf8)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `[0,0,...]` with `elements` elements.
    public static func wideArray(elements: Int) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(elements * 2 + 1)
        for index in 0..<elements {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "0"))
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    /// `depth` nested arrays or objects (`{"a":{"a":...}}`), closed or left open.
    public static func deepNesting(_ depth: Int, objects: Bool, closed: Bool = true) -> [UInt8] {
        let open = Array((objects ? "{\"a\":" : "[").utf8)
        var bytes: [UInt8] = []
        for _ in 0..<depth { bytes += open }
        bytes += Array("0".utf8)
        if closed { bytes += [UInt8](repeating: objects ? UInt8(ascii: "}") : UInt8(ascii: "]"), count: depth) }
        return bytes
    }

    /// `{"name":"xxx..."}` with a string of `bytes` bytes.
    public static func longString(bytes: Int, member: String = "name") -> [UInt8] {
        Array("{\"\(member)\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: bytes) + Array("\"}".utf8)
    }

    /// One to four random edits of `input`: a bit flipped, a byte replaced or removed, a
    /// fragment, hostile string or hostile number spliced in, a range dropped, doubled or
    /// cut off.
    public static func mutate<G: RandomNumberGenerator>(_ input: [UInt8], using generator: inout G) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<9, using: &generator) {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 1 where !bytes.isEmpty:
                bytes[position] = fragments.randomElement(using: &generator)!.first ?? 0
            case 2 where !bytes.isEmpty:
                bytes.remove(at: position)
            case 3:
                bytes.insert(contentsOf: fragments.randomElement(using: &generator)!, at: position)
            case 4:
                bytes.insert(contentsOf: strings.randomElement(using: &generator)!, at: position)
            case 5:
                bytes.insert(contentsOf: Array(numbers.randomElement(using: &generator)!.utf8), at: position)
            case 6 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &generator))
                bytes.removeSubrange(position..<end)
            case 7 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...32, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            default:
                bytes = Array(bytes.prefix(position))
            }
        }
        return bytes
    }
}
