/// An exact amount of money with two decimal places, held as an integer number of cents.
///
/// Prices never pass through binary floating point: they are parsed from the JSON number's
/// literal text, stored as `numeric(12,2)`, and written back as text, so `19.99` in is
/// `19.99` out.
public struct Money: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let cents: Int64

    /// The largest amount `numeric(12,2)` holds: 9,999,999,999.99.
    public static let maximum = Money(cents: 999_999_999_999)

    public init(cents: Int64) { self.cents = cents }

    /// Why a number is not an acceptable amount.
    public enum ParseError: Error, Sendable, Equatable {
        case notANumber
        case tooManyDecimals
        case negative
        case tooLarge
    }

    /// Exponents beyond ±40 are refused: no price is written with one (the largest price
    /// has 13 digits), and it keeps the scale arithmetic small.
    static let maximumExponent = 40

    /// Parses a decimal literal (JSON number syntax, exponent allowed) exactly.
    /// `1.5`, `1.50` and `150e-2` are all 1.50; `1.005` has too many decimals.
    ///
    /// Any text is safe to pass: the exponent is read digit by digit and saturates instead
    /// of overflowing (`1e-9223372036854775808` is `tooManyDecimals`, not a trap), and
    /// digits are accumulated with overflow checks.
    public init(parsing literal: String) throws(ParseError) {
        var bytes = Substring(literal).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fractionCount = 0
        var seenPoint = false
        var exponent = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte - 0x30)
                if seenPoint { fractionCount += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = try Self.exponent(bytes[bytes.index(after: index)...])
                break
            } else {
                throw .notANumber
            }
            index = bytes.index(after: index)
        }
        guard !digits.isEmpty else { throw .notANumber }
        // value = digits × 10^(exponent − fractionCount); cents = value × 100.
        var scale = exponent - fractionCount + 2
        while scale < 0, let last = digits.last, last == 0, digits.count > 1 {
            digits.removeLast()
            scale += 1
        }
        if scale < 0 {
            if digits.allSatisfy({ $0 == 0 }) { scale = 0 } else { throw .tooManyDecimals }
        }
        var cents: Int64 = 0
        for digit in digits + [UInt8](repeating: 0, count: scale) {
            let (times10, overflow1) = cents.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2, sum <= Self.maximum.cents else { throw .tooLarge }
            cents = sum
        }
        if negative && cents != 0 { throw .negative }
        self.cents = cents
    }

    /// The exponent after `e`: an optional sign and at least one digit, within
    /// ±`maximumExponent`. A huge exponent is either tiny (too many decimals) or enormous
    /// (too large); neither is a price. Leading zeros are allowed, as JSON allows them.
    private static func exponent(_ text: Substring.UTF8View.SubSequence) throws(ParseError) -> Int {
        var rest = text
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { throw .notANumber }
        var magnitude = 0
        for byte in rest {
            guard byte >= 0x30 && byte <= 0x39 else { throw .notANumber }
            // Saturates just past the maximum: the size of a longer exponent does not matter.
            magnitude = min(magnitude * 10 + Int(byte - 0x30), maximumExponent + 1)
        }
        guard magnitude <= maximumExponent else { throw negative ? .tooManyDecimals : .tooLarge }
        return negative ? -magnitude : magnitude
    }

    /// `19.99`, `0.05`, `1200.00`.
    public var description: String {
        let fraction = cents % 100
        return "\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public var json: JSONValue { .number(description) }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
}

extension Money: PostgresEncodable {
    public var postgresText: String? { description }
}

/// A `numeric(12,2)` column as money.
extension Money: PostgresTextDecodable {
    public static func accepts(_ type: PostgresType) -> Bool { type == .numeric }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) {
        guard let money = try? Money(parsing: String(decoding: bytes, as: UTF8.self)) else { return nil }
        self = money
    }
}
