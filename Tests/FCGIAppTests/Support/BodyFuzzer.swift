import Core
import Foundation
import TestSupport

/// Bodies for the end-to-end fuzz tests: documents shaped like each route's body with
/// valid, wrong and hostile member values, mutations of them, structures at and past the
/// JSON limits, and random bytes; each with a usual or an odd `Content-Type`.
///
/// Built as bytes, because the interesting inputs (invalid UTF-8, raw NUL, truncations)
/// cannot be JSON values.
struct BodyFuzzer {
    /// What a member of a route's body holds, so that generated values are often right.
    enum Field {
        case text(maxLength: Int)
        case price
        case id(valid: Int64)
        case isbn
        case year
        case email
        case role
    }

    /// A body route as the fuzzer drives it: where, as whom, and its members.
    struct Route: CustomStringConvertible {
        let method: String
        let path: String
        let headers: [(String, String)]
        let fields: [(String, Field)]
        /// For `/register` and `/auth/login`: every generated document carries an unknown
        /// member, so validation refuses it before the ~0.3 s password hash.
        var refuseBeforeHashing = false
        var description: String { "\(method) \(path)" }
    }

    static let contentTypes: [String?] = [
        "application/json", "application/json; charset=utf-8", "application/merge-patch+json", "APPLICATION/JSON",
        "application/json;", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "", nil,
        "application/json; charset=latin1", "multipart/form-data; boundary=x", ";", " ; ", ";application/json", "\t",
    ]

    /// `Content-Type` (`nil`: none) and body for one case.
    static func request<G: RandomNumberGenerator>(for route: Route, using generator: inout G) -> (String?, [UInt8]) {
        let contentType = Int.random(in: 0..<5, using: &generator) == 0
            ? contentTypes.randomElement(using: &generator)! : "application/json"
        return (contentType, body(for: route, using: &generator))
    }

    static func body<G: RandomNumberGenerator>(for route: Route, using generator: inout G) -> [UInt8] {
        let limits = JSONParser.Limits.requestBody
        let document = self.document(for: route, using: &generator)
        switch Int.random(in: 0..<40, using: &generator) {
        case 0..<18: return document
        case 18..<30:
            let mutated = HostileJSON.mutate(document, using: &generator)
            // A mutation that dropped the unknown member could make a valid login or
            // registration (and so a password hash): the parser says whether it did.
            if route.refuseBeforeHashing, case .object(let object)? = try? JSONParser.parse(mutated), object["__fuzz"] == nil {
                return document
            }
            return mutated
        case 30, 31:
            let literal = Bool.random(using: &generator)
                ? Array(HostileJSON.numbers.randomElement(using: &generator)!.utf8) : HostileJSON.strings.randomElement(using: &generator)!
            return route.refuseBeforeHashing ? Array("[".utf8) + literal + Array("]".utf8) : literal
        case 32: return HostileJSON.wideObject(members: limits.members + Int.random(in: -2...2, using: &generator))
        case 33: return HostileJSON.wideArray(elements: limits.elements + Int.random(in: -2...2, using: &generator))
        case 34: return HostileJSON.deepNesting(limits.depth + Int.random(in: -2...2, using: &generator), objects: Bool.random(using: &generator),
                                               closed: Int.random(in: 0..<4, using: &generator) > 0)
        case 35:
            let name = route.fields.randomElement(using: &generator)?.0 ?? "name"
            let member = route.refuseBeforeHashing ? "__fuzz" : name
            return HostileJSON.longString(bytes: limits.stringBytes + Int.random(in: -2...2, using: &generator), member: member)
        case 36:
            // Many values in all, each array within its own limit.
            let rows = limits.values / (limits.elements / 2) + Int.random(in: -1...1, using: &generator)
            return Array("[".utf8) + Array(repeating: HostileJSON.wideArray(elements: limits.elements / 2), count: rows).joined(separator: Array(",".utf8)) + Array("]".utf8)
        default:
            return (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }

    /// The known-hostile inputs, each once, so every run sends them whatever the seed:
    /// every hostile number and string in every member at once, each structure at and
    /// just past its limit, and a valid-looking document with each odd `Content-Type`.
    static func corpus(for route: Route) -> [(String?, [UInt8])] {
        let limits = JSONParser.Limits.requestBody
        let literals = HostileJSON.numbers.map { Array($0.utf8) } + HostileJSON.strings
        var bodies = literals.map { literal in
            Array("{".utf8) + route.fields.map { quoted($0.0) + Array(":".utf8) + literal }.joined(separator: Array(",".utf8)) + Array("}".utf8)
        }
        for delta in [0, 1] {
            bodies.append(HostileJSON.wideObject(members: limits.members + delta))
            bodies.append(HostileJSON.wideArray(elements: limits.elements + delta))
            bodies.append(HostileJSON.deepNesting(limits.depth + delta, objects: true))
            bodies.append(HostileJSON.deepNesting(limits.depth + delta, objects: false))
            for (name, field) in route.fields {
                if case .text = field { bodies.append(HostileJSON.longString(bytes: limits.stringBytes + delta, member: name)) }
            }
        }
        bodies.append(HostileJSON.deepNesting(100_000, objects: false, closed: false))
        var requests: [(String?, [UInt8])] = bodies.map { ("application/json", $0) }
        var generator = SeededGenerator(seed: 1)
        let plain = document(for: route, using: &generator)
        requests += contentTypes.map { ($0, plain) }
        return requests
    }

    /// `{"member": value, ...}`: some of the route's members (sometimes all, sometimes an
    /// unknown one too), each with a value that is right, wrong in type, or hostile.
    static func document<G: RandomNumberGenerator>(for route: Route, using generator: inout G) -> [UInt8] {
        var members: [[UInt8]] = []
        for (name, field) in route.fields where Int.random(in: 0..<5, using: &generator) > 0 {
            members.append(quoted(name) + Array(":".utf8) + value(for: field, using: &generator))
        }
        if route.refuseBeforeHashing || Int.random(in: 0..<10, using: &generator) == 0 {
            members.insert(Array(#""__fuzz":"#.utf8) + value(for: .text(maxLength: 8), using: &generator),
                           at: Int.random(in: 0...members.count, using: &generator))
        }
        members.shuffle(using: &generator)
        return Array("{".utf8) + members.joined(separator: Array(",".utf8)) + Array("}".utf8)
    }

    private static func value<G: RandomNumberGenerator>(for field: Field, using generator: inout G) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return HostileJSON.strings.randomElement(using: &generator)!
        case 1: return Array(HostileJSON.numbers.randomElement(using: &generator)!.utf8)
        case 2: return Array(["null", "true", "[]", "{}", "\"\"", "[1]", "{\"a\":1}"].randomElement(using: &generator)!.utf8)
        default: break
        }
        switch field {
        case .text(let maxLength):
            let length = Int.random(in: 0..<8, using: &generator) == 0 ? maxLength + Int.random(in: -1...1, using: &generator) : Int.random(in: 1...20, using: &generator)
            return quoted(String((0..<max(0, length)).map { _ in "aZ é😀\u{0}\"\\".randomElement(using: &generator)! }))
        case .price:
            // Prices are where number handling is exercised: half of them hostile.
            if Bool.random(using: &generator) { return Array(HostileJSON.numbers.randomElement(using: &generator)!.utf8) }
            return Array(["19.99", "0", "0.01", "9999999999.99", "1e2", "150e-2", "-1", "1.005", "\"19.99\""].randomElement(using: &generator)!.utf8)
        case .id(let valid):
            return Array([String(valid), "0", "-1", "1.0", "\(valid).0", "99999999999", "\"\(valid)\""].randomElement(using: &generator)!.utf8)
        case .isbn:
            return Array(["\"978-0-306-40615-7\"", "\"0306406152\"", "\"978-0-306-40615-8\"", "\"x\"", "null", "\"\""].randomElement(using: &generator)!.utf8)
        case .year:
            return Array(["1999", "0", "-5", "2026.0", "1e3", "3000", "null"].randomElement(using: &generator)!.utf8)
        case .email:
            return quoted(["fuzz-\(UInt32.random(in: 0...UInt32.max, using: &generator))@example.com", "no-at-sign", "a@b", "@example.com",
                           "ANN@Example.COM", String(repeating: "a", count: 250) + "@example.com"].randomElement(using: &generator)!)
        case .role:
            return quoted(["user", "admin", "root", ""].randomElement(using: &generator)!)
        }
    }

    /// A JSON string literal of `text`, escaped as the service's encoder escapes it.
    private static func quoted(_ text: String) -> [UInt8] {
        JSONValue.string(text).encoded
    }
}
