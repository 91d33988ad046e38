@testable import Core
import Foundation
import Testing
import TestSupport

/// Deterministic fuzzing of everything that reads client-controlled text: the JSON
/// parser, money, integer literals, query strings, paging cursors, ISBNs and emails.
///
/// Each input must either be accepted or be refused with the decoder's own typed error;
/// a trap would end the test process, which is the failure this exists to find (the
/// seed is printed first, so a crash can be replayed). Accepted inputs must also
/// round-trip. `CATALOG_FUZZ_CASES` scales the run (default 4,000 cases, a few seconds);
/// `CATALOG_FUZZ_SEED` picks other inputs; `make fuzz` runs 200,000.
@Suite struct HostileInputFuzzTests {
    let run = FuzzRun()

    /// Printed once per process, before any input, so that even a trap can be replayed.
    private static let announced: Void = {
        let run = FuzzRun()
        print("fuzz: \(run.cases) unit cases, CATALOG_FUZZ_SEED=\(run.seed)")
    }()

    init() { _ = Self.announced }

    @Test func generatedJSONRoundTripsThroughTheParser() throws {
        for number in 0..<run.cases / 4 {
            var generator = run.generator(stream: 1, case: number)
            let value = FuzzValues.jsonValue(using: &generator)
            let encoded = value.encoded
            let parsed = try? JSONParser.parse(encoded)
            #expect(parsed == value, "parse(encode(v)) == v, \(run.caseLabel(number)): \(value.encodedString)")
        }
    }

    @Test func mutatedJSONParsesOrThrowsTheTypedError() {
        let seeds: [[UInt8]] = HostileJSON.numbers.map { Array($0.utf8) } + HostileJSON.strings + [
            HostileJSON.deepNesting(70, objects: false), HostileJSON.deepNesting(70, objects: true, closed: false),
            HostileJSON.wideObject(members: 1_200), HostileJSON.wideArray(elements: 10_050),
            HostileJSON.longString(bytes: JSONParser.Limits.requestBody.stringBytes + 1),
        ]
        // Every seed as it is, then mutated ones.
        for (number, input) in seeds.enumerated() { checkParser(input, label: "seed input \(number)") }
        for number in 0..<run.cases / 4 {
            var generator = run.generator(stream: 2, case: number)
            let base = Bool.random(using: &generator)
                ? FuzzValues.jsonValue(using: &generator).encoded
                : seeds.randomElement(using: &generator)!
            checkParser(HostileJSON.mutate(base, using: &generator), label: run.caseLabel(number))
        }
    }

    /// Parses `input`; if it is accepted, what it parsed to must re-encode to a document
    /// that parses to the same value. If refused, the error is `JSONParseError` (typed
    /// throws: the compiler holds the parser to that), and a limit error names a limit
    /// that really is below what the input would need.
    private func checkParser(_ input: [UInt8], label: String) {
        do {
            let value = try JSONParser.parse(input)
            #expect((try? JSONParser.parse(value.encoded)) == value, "re-encoding round-trips, \(label)")
        } catch {
            if case .limitExceeded(let exceeded) = error {
                #expect(exceeded.offset <= input.count && exceeded.maximum == JSONParser.Limits.requestBody[exceeded.limit], "\(label)")
            }
        }
    }

    @Test func moneyParsesOrThrowsItsError() {
        for (number, literal) in HostileJSON.numbers.enumerated() { checkMoney(literal, label: "hostile number \(number)") }
        for number in 0..<run.cases / 8 {
            var generator = run.generator(stream: 3, case: number)
            let literal: String = switch Int.random(in: 0..<3, using: &generator) {
            case 0: FuzzValues.numberLiteral(using: &generator)
            case 1: String(decoding: HostileJSON.mutate(Array(FuzzValues.numberLiteral(using: &generator).utf8), using: &generator), as: UTF8.self)
            default: FuzzValues.text(maxLength: 24, from: Array("0123456789.eE+-") + FuzzValues.alphabet, using: &generator)
            }
            checkMoney(literal, label: run.caseLabel(number))
        }
    }

    /// An accepted amount is within `0...Money.maximum` and prints back to itself.
    private func checkMoney(_ literal: String, label: String) {
        do {
            let money = try Money(parsing: literal)
            #expect((0...Money.maximum.cents).contains(money.cents), "\(literal), \(label)")
            #expect((try? Money(parsing: money.description)) == money, "\(literal) → \(money), \(label)")
        } catch {
            // A Money.ParseError (typed throws: nothing else can arrive here).
        }
    }

    @Test func integerLiteralsDecodeOrAreRefused() {
        for number in 0..<run.cases / 8 {
            var generator = run.generator(stream: 4, case: number)
            let literal = Bool.random(using: &generator)
                ? FuzzValues.numberLiteral(using: &generator)
                : FuzzValues.text(maxLength: 22, from: Array("0123456789+-"), using: &generator)
            // JSON Schema integers (body fields such as author_id): an accepted one prints
            // back to the same value.
            if let value = FieldReader.integralValue(of: literal) {
                #expect(FieldReader.integralValue(of: String(value)) == value, "\(literal), \(run.caseLabel(number))")
            }
            // PostgreSQL's integer text: exactly what Int64(String) accepts.
            let decoded = Array(literal.utf8).withUnsafeBufferPointer { Int64(decimal: $0) }
            #expect(decoded == Int64(literal), "\(literal), \(run.caseLabel(number))")
        }
    }

    @Test func queryStringsDecodeWithoutTrapping() {
        let alphabet = Array("ab=&+%%%20%zz%e9%C3%A9%00%FF0F;#?") + FuzzValues.alphabet
        for number in 0..<run.cases / 8 {
            var generator = run.generator(stream: 5, case: number)
            let raw = FuzzValues.text(maxLength: 40, from: alphabet, using: &generator)
            let query = QueryString.parse(raw)
            // Paging reads the decoded query: a page or a 422, never anything else.
            do { _ = try PageRequest(query: query) } catch {
                #expect(error.status == .unprocessableContent, "\(raw), \(run.caseLabel(number))")
            }
            // Encoding then decoding gives back the pairs, the first of a repeated name winning.
            let pairs = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                (FuzzValues.text(maxLength: 6, using: &generator), FuzzValues.text(maxLength: 8, using: &generator))
            }
            var expected: [String: String] = [:]
            for (name, value) in pairs where expected[name] == nil { expected[name] = value }
            #expect(QueryString.parse(QueryString.encode(pairs)) == expected, "\(pairs), \(run.caseLabel(number))")
        }
    }

    @Test func cursorsDecodeOrAre422() {
        let valid = PageRequest.encodeCursor(after: 1234)
        for number in 0..<run.cases / 16 {
            var generator = run.generator(stream: 6, case: number)
            let cursor: String = switch Int.random(in: 0..<4, using: &generator) {
            case 0: Base64URL.encode(Array(("v1:" + FuzzValues.numberLiteral(using: &generator)).utf8))
            case 1: Base64URL.encode(FuzzValues.bytes(maxLength: 24, using: &generator))
            case 2: String(decoding: HostileJSON.mutate(Array(valid.utf8), using: &generator), as: UTF8.self)
            default: FuzzValues.text(maxLength: 30, from: Array("ABCxyz019-_=+/.") + FuzzValues.alphabet, using: &generator)
            }
            do {
                let page = try PageRequest(query: ["cursor": cursor])
                // Cursors are canonical: an accepted one is exactly what the service would issue.
                #expect(page.after.map { $0 > 0 && PageRequest.encodeCursor(after: $0) == cursor } == true, "\(cursor), \(run.caseLabel(number))")
            } catch {
                #expect(error.problem.errors.map(\.field) == ["cursor"], "\(cursor), \(run.caseLabel(number))")
            }
        }
    }

    @Test func isbnsAndEmailsValidateWithoutTrapping() {
        let isbnAlphabet = Array("0123456789Xx- ") + FuzzValues.alphabet
        for number in 0..<run.cases / 16 {
            var generator = run.generator(stream: 7, case: number)
            let isbnText = FuzzValues.text(maxLength: 18, from: isbnAlphabet, using: &generator)
            if let isbn = ISBN.normalize(isbnText) {
                #expect(ISBN.normalize(isbn) == isbn && [10, 13].contains(isbn.utf8.count), "\(isbnText), \(run.caseLabel(number))")
            }
            let emailText = FuzzValues.text(maxLength: 30, from: Array("ab.@-+") + FuzzValues.alphabet, using: &generator)
            let normalized = EmailAddress.normalize(emailText)
            if EmailAddress.problem(with: normalized) == nil {
                #expect(normalized.utf8.count <= EmailAddress.maximumLength && normalized.contains("@"), "\(emailText), \(run.caseLabel(number))")
            }
        }
    }
}
