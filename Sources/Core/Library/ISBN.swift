/// ISBN-10 and ISBN-13 normalisation and checksum validation.
///
/// Clients may write ISBNs with hyphens or spaces (`978-0-306-40615-7`); they are stored
/// normalised (digits only, upper-case `X`), so uniqueness holds however they were typed.
public enum ISBN {
    /// The normalised ISBN, or `nil` when the text is not a valid ISBN-10 or ISBN-13.
    public static func normalize(_ text: String) -> String? {
        let characters = text.filter { $0 != "-" && $0 != " " }.uppercased()
        let digits = characters.compactMap { $0.wholeNumberValue }
        switch characters.count {
        case 10:
            let body = characters.prefix(9)
            guard body.allSatisfy(\.isASCII), body.allSatisfy(\.isNumber) else { return nil }
            let last = characters.last!
            guard last.isASCII, last.isNumber || last == "X" else { return nil }
            let values = digits.prefix(9) + [last == "X" ? 10 : last.wholeNumberValue!]
            let sum = values.enumerated().reduce(0) { $0 + (10 - $1.offset) * $1.element }
            return sum % 11 == 0 ? characters : nil
        case 13:
            guard characters.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count == 13 else { return nil }
            let sum = digits.enumerated().reduce(0) { $0 + ($1.offset % 2 == 0 ? 1 : 3) * $1.element }
            return sum % 10 == 0 ? characters : nil
        default:
            return nil
        }
    }
}
