import Core
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"} "#)
        #expect(value == ["a": [1, .number("-2.5e3"), true, false, nil], "b": "x\"\\/\né😀"])
    }

    @Test func numbersKeepTheirLiteralText() throws {
        #expect(try JSONParser.parse("19.99") == .number("19.99"))
        #expect(try JSONParser.parse("0.10") == .number("0.10"))
        #expect(try JSONParser.parse("12345678901234567890123") == .number("12345678901234567890123"))
    }

    @Test(arguments: ["", "{", "}", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "tru", "\"abc",
                      "{'a':1}", "{\"a\" 1}", "[1 2]", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "1 2", "{\"a\":1,\"a\":2}",
                      "\"tab\there\""])
    func rejectsMalformedInput(_ text: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.map(Self.isMalformed) == true, "\(text): \(String(describing: error))")
    }

    @Test func rejectsInvalidUTF8() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(error.map(Self.isMalformed) == true)
    }

    @Test func limitsNestingDepth() {
        let depth = JSONParser.Limits.requestBody.depth
        let deep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        guard case .limitExceeded(let exceeded)? = error else { Issue.record("not a limit error: \(String(describing: error))"); return }
        #expect(exceeded.limit == .depth && exceeded.maximum == depth)
        let fine = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    static func isMalformed(_ error: JSONParseError) -> Bool {
        if case .malformed = error { return true }
        return false
    }

    @Test func encodesCompactlyInOrderWithEscapes() {
        let value: JSONValue = ["z": 1, "a": ["x", nil, true], "s": "q\"\\\n\u{1}é"]
        #expect(value.encodedString == #"{"z":1,"a":["x",null,true],"s":"q\"\\\n\u0001é"}"#)
    }

    @Test func roundTrips() throws {
        let text = #"{"name":"Widget","price":19.99,"tags":["a","b"],"nested":{"ok":false,"none":null}}"#
        #expect(try JSONParser.parse(text).encodedString == text)
    }
}
