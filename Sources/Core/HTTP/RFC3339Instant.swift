/// An instant given as an RFC 3339 timestamp (`2026-11-30T12:00:00Z`,
/// `2026-11-30T13:00:00.5+01:00`), held as microseconds since the Unix epoch.
///
/// Parsed strictly by hand rather than by PostgreSQL or a date formatter, which accept
/// many other spellings: what the OpenAPI document calls `date-time` is exactly what is
/// accepted. `T`/`Z` may be lower case (RFC 3339 §5.6); fractions beyond microseconds
/// are cut off; a leap second (`:60`) counts as the next minute's first second; at most
/// `maximumLength` characters.
public struct RFC3339Instant: Sendable, Equatable, Comparable {
    public let microseconds: Int64

    /// The longest text accepted: room for any offset and far more fraction digits than
    /// anyone writes, while a parameter cannot make the parser walk a megabyte.
    public static let maximumLength = 64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init?(_ text: String) {
        guard text.utf8.count <= Self.maximumLength else { return nil }
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in start..<(start + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int64(b[i] - 0x30)
            }
            return value
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                if index - start < 6 { fraction = fraction * 10 + Int64(b[index] - 0x30) }
                index += 1
            }
            guard index > start else { return nil }
            for _ in 0..<max(0, 6 - (index - start)) { fraction *= 10 }
        }
        guard index < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"),
                  let hours = digits(index + 1, 2), let minutes = digits(index + 4, 2), hours <= 23, minutes <= 59
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        microseconds = seconds * 1_000_000 + fraction
    }

    /// `2026-11-30T12:00:00Z`: whole seconds, as the API writes every timestamp.
    public var description: String {
        let seconds = Self.floorDivide(microseconds, 1_000_000)
        let days = Self.floorDivide(seconds, 86_400)
        let inDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(yearText)-\(two(month))-\(two(day))T\(two(inDay / 3600)):\(two(inDay % 3600 / 60)):\(two(inDay % 60))Z"
    }

    public static func < (lhs: RFC3339Instant, rhs: RFC3339Instant) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension RFC3339Instant: PostgresEncodable {
    /// Seconds since the epoch with six decimals (`1796040000.250000`); SQL turns them
    /// into a `timestamptz` with `to_timestamp($n::float8)`, which is immutable, so
    /// PostgreSQL can leave out the partitions outside a range when it plans the statement
    /// (a `timestamptz 'epoch' + interval` expression is only stable). A double holds
    /// today's microseconds exactly.
    public var postgresText: String? {
        let seconds = Self.floorDivide(microseconds, 1_000_000)
        let fraction = String(microseconds - seconds * 1_000_000)
        return "\(seconds)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
