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
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
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
