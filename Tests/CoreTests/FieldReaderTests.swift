import Core
import Testing

/// Integers in bodies follow JSON Schema (and so the OpenAPI document): a number is an
/// integer when its value is integral, however it is written. Found by the contract run
/// (Schemathesis sent `"author_id": 1.0`, which the document allows).
@Suite struct FieldReaderTests {
    private func read(_ literal: String, range: ClosedRange<Int64> = Int64.min...Int64.max) -> (Int64?, [FieldError]) {
        var reader = FieldReader(["n": .number(literal)], allowed: ["n"])
        let value = reader.integer("n", required: true, range: range)
        return (value, reader.errors)
    }

    @Test func integralNumbersInAnyNotationAreIntegers() {
        let cases: [(String, Int64)] = [
            ("1", 1), ("1.0", 1), ("1.000", 1), ("1e0", 1), ("1E+2", 100), ("1.5e1", 15), ("150e-1", 15),
            ("0.0", 0), ("-0.0", 0), ("-2.0", -2), ("0e5", 0), ("2026.0", 2026),
            ("9223372036854775807", .max), ("9223372036854775807.0", .max), ("-9223372036854775808.00", .min),
            ("9.223372036854775807e18", .max),
        ]
        for (literal, expected) in cases {
            let (value, errors) = read(literal)
            #expect(value == expected, "\(literal)")
            #expect(errors.isEmpty, "\(literal)")
        }
    }

    @Test func fractionsAndOutOfRangeNumbersAreNotIntegers() {
        for literal in ["1.5", "1e-1", "0.1", "9223372036854775808", "9223372036854775808.0", "1e19", "1e999999", "1e9999999"] {
            let (value, errors) = read(literal)
            #expect(value == nil, "\(literal)")
            #expect(errors.map(\.message) == ["must be an integer"], "\(literal)")
        }
    }

    @Test func theRangeStillApplies() {
        let (value, errors) = read("0.0", range: 1...Int64.max)
        #expect(value == nil)
        #expect(errors.count == 1)
    }
}
