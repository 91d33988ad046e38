import Core
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [("0", 0), ("19.99", 1999), ("19.9", 1990), ("1.50", 150), ("1.500", 150), ("150e-2", 150),
                      ("1e2", 10000), ("1E+2", 10000), ("0.01", 1), ("9999999999.99", 999_999_999_999), ("-0", 0), ("0.000", 0)])
    func parsesExactly(_ literal: String, _ cents: Int64) throws {
        #expect(try Money(parsing: literal).cents == cents)
    }

    @Test func rejectsWhatIsNotAPrice() {
        #expect(throws: Money.ParseError.tooManyDecimals) { try Money(parsing: "1.005") }
        #expect(throws: Money.ParseError.tooManyDecimals) { try Money(parsing: "1e-3") }
        #expect(throws: Money.ParseError.negative) { try Money(parsing: "-0.01") }
        #expect(throws: Money.ParseError.tooLarge) { try Money(parsing: "10000000000") }
        #expect(throws: Money.ParseError.tooLarge) { try Money(parsing: "1e400") }
        #expect(throws: Money.ParseError.notANumber) { try Money(parsing: "abc") }
        #expect(throws: Money.ParseError.notANumber) { try Money(parsing: "") }
    }

    /// `1e-9223372036854775808` once trapped (`abs(Int.min)`) and killed the worker.
    @Test func extremeExponentsAreErrorsNotTraps() throws {
        for literal in ["1e-9223372036854775808", "1e-9223372036854775807", "1e-41", "1E-18446744073709551616", "-1e-9223372036854775808"] {
            #expect(throws: Money.ParseError.tooManyDecimals, "\(literal)") { try Money(parsing: literal) }
        }
        for literal in ["1e9223372036854775808", "1e9223372036854775807", "1e41", "1e+99999999999999999999999"] {
            #expect(throws: Money.ParseError.tooLarge, "\(literal)") { try Money(parsing: literal) }
        }
        // Leading zeros in an exponent do not make it large.
        #expect(try Money(parsing: "1e0000000000000000000000002").cents == 10000)
        #expect(try Money(parsing: "5e-00000000000000000000000002").cents == 5)
        for literal in ["1e", "1e+", "1e-", "1e+-2", "1e2.5", "1ee2", "1e 2"] {
            #expect(throws: Money.ParseError.notANumber, "\(literal)") { try Money(parsing: literal) }
        }
    }

    @Test func printsTwoDecimals() {
        #expect(Money(cents: 1999).description == "19.99")
        #expect(Money(cents: 5).description == "0.05")
        #expect(Money(cents: 120_000).description == "1200.00")
        #expect(Money(cents: 0).json == .number("0.00"))
    }
}
