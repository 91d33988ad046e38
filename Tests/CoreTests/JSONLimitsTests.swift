import Core
import Foundation
import Testing
import TestSupport

/// The parser's limits: each one lets a document exactly at it through and refuses one
/// past it with that limit named, stopping where it was exceeded; and objects parse in
/// linear time, in order, still refusing duplicate names.
@Suite struct JSONLimitsTests {
    /// Small limits, so each case is tiny; the defaults are the same code with other numbers.
    private let limits = JSONParser.Limits(members: 3, elements: 4, values: 10, stringBytes: 8, depth: 3)

    private func exceeded(_ text: String) -> JSONLimitError? {
        do {
            _ = try JSONParser.parse(text, limits: limits)
            return nil
        } catch {
            if case .limitExceeded(let limit) = error { return limit }
            Issue.record("\(text): \(error) is not a limit error")
            return nil
        }
    }

    @Test(arguments: [
        (#"{"a":1,"b":2,"c":3}"#, #"{"a":1,"b":2,"c":3,"d":4}"#, JSONParser.Limit.members),
        ("[1,2,3,4]", "[1,2,3,4,5]", .elements),
        ("[[1,2,3,4],[1,2,3]]", "[[1,2,3,4],[1,2,3,4]]", .values),
        (#"["12345678"]"#, #"["123456789"]"#, .stringBytes),
        (#"{"12345678":1}"#, #"{"123456789":1}"#, .stringBytes),
        (#"["\u00e9\u00e9\u00e9\u00e9"]"#, #"["\u00e9\u00e9\u00e9\u00e9x"]"#, .stringBytes),
        ("[12345678]", "[123456789]", .stringBytes),
        ("[-1.5e+10]", "[-1.5e+100]", .stringBytes),
        ("[[[1]]]", "[[[[1]]]]", .depth),
    ])
    func aDocumentAtALimitParsesAndOnePastItIsRefused(_ atLimit: String, _ pastLimit: String, _ limit: JSONParser.Limit) throws {
        #expect(throws: Never.self, "\(atLimit)") { try JSONParser.parse(atLimit, limits: limits) }
        let error = exceeded(pastLimit)
        #expect(error?.limit == limit, "\(pastLimit)")
        #expect(error?.maximum == limits[limit])
    }

    @Test func stringsAreCountedAfterUnescaping() throws {
        // Six escapes of one byte each, plus two plain bytes: 8 bytes, at the limit.
        #expect(try JSONParser.parse(#"["\n\t\"\\\/\bab"]"#, limits: limits) == [.string("\n\t\"\\/\u{8}ab")])
        // One emoji is 4 bytes whichever way it is written.
        #expect(try JSONParser.parse(#"["\ud83d\ude00😀"]"#, limits: limits) == ["😀😀"])
        #expect(exceeded(#"["\ud83d\ude00😀x"]"#)?.limit == .stringBytes)
    }

    @Test func theParserStopsWhereALimitIsExceeded() throws {
        // 80,000 members (about 870 KB) with the request-body limits: refused at the
        // first member past the limit, a few kilobytes in, not after reading it all.
        let body = HostileJSON.wideObject(members: 80_000)
        let limits = JSONParser.Limits.requestBody
        let started = Date()
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(body, limits: limits) }
        let seconds = Date().timeIntervalSince(started)
        guard case .limitExceeded(let exceeded)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(exceeded.limit == .members && exceeded.maximum == limits.members)
        let prefix = HostileJSON.wideObject(members: limits.members).count
        #expect(exceeded.offset == prefix, "stopped right after member \(limits.members), at byte \(prefix): \(exceeded)")
        #expect(seconds < 0.5, "refused in \(seconds) s")

        // A long string is refused at the byte past the limit, without reading the rest.
        let long = HostileJSON.longString(bytes: 900_000)
        let stringError = #expect(throws: JSONParseError.self) { try JSONParser.parse(long, limits: limits) }
        guard case .limitExceeded(let tooLong)? = stringError else { Issue.record("\(String(describing: stringError))"); return }
        #expect(tooLong.limit == .stringBytes && tooLong.offset == #"{"name":""#.utf8.count + limits.stringBytes + 1)
    }

    /// 80,000 members took 16.6 s when each member was added through `JSONObject`'s
    /// subscript (a search of the members so far). Linear parsing makes four times the
    /// members cost about four times as long; quadratic would be sixteen. The bound of 10
    /// leaves room for a noisy machine while still telling the two apart.
    @Test func objectsParseInLinearTimeInOrder() throws {
        let limits = JSONParser.Limits(members: 1_000_000, elements: 1_000_000, values: 1_000_000, stringBytes: 1 << 20, depth: 8)
        func fastest(_ members: Int) throws -> (seconds: Double, value: JSONValue) {
            let body = HostileJSON.wideObject(members: members)
            var best = Double.infinity
            var value: JSONValue = .null
            for _ in 0..<3 {
                let started = Date()
                value = try JSONParser.parse(body, limits: limits)
                best = min(best, Date().timeIntervalSince(started))
            }
            return (best, value)
        }
        let small = try fastest(20_000)
        let large = try fastest(80_000)
        print("JSON: 20,000 members in \(small.seconds) s, 80,000 in \(large.seconds) s (ratio \(large.seconds / small.seconds))")
        #expect(large.seconds / small.seconds < 10, "linear: \(small.seconds) s → \(large.seconds) s")
        guard case .object(let object) = large.value else { Issue.record("not an object"); return }
        #expect(object.members.count == 80_000)
        #expect(object.keys.prefix(3) == ["k0", "k1", "k2"] && object.keys.last == "k79999", "members keep their order")

        // Duplicates are still found, however far apart.
        var duplicate = HostileJSON.wideObject(members: 80_000)
        duplicate.removeLast()
        duplicate += Array(#","k0":1}"#.utf8)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(duplicate, limits: limits) }
        #expect(error?.description.hasPrefix("duplicate member name") == true, "\(String(describing: error))")
    }

    @Test func theRequestBodyDefaultsFitEveryBodyOfTheAPI() {
        let defaults = JSONParser.Limits.requestBody
        // The longest text field, at 4 bytes per code point, and the widest body (4 members).
        #expect(defaults.stringBytes >= ProductInput.descriptionLength.upperBound * 4)
        #expect(defaults.members >= 4 && defaults.values >= 5 && defaults.depth >= 1)
    }
}
