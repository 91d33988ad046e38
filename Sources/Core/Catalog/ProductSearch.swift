/// A `?q=` search term of `GET /products`: a case-insensitive substring of the name.
///
/// A term must contain a run of at least three ASCII letters or digits. The trigram index
/// that makes search fast (migrations/0008 and 0013) can only narrow a
/// search down by such a run: for `ab` or `a-b` it would read the whole index, and
/// walking the ids instead reads the whole table when matches are rare (1.5 s on
/// 1,000,000 products). Shorter terms are therefore refused with 422 rather than served
/// slowly; the rule lives here only.
public struct ProductSearch: Sendable, Equatable {
    public static let minimumRun = 3
    public static let maximumLength = 200

    public let term: String

    /// `nil` when the term is not acceptable; `problem` says why, for a 422.
    public init?(_ term: String) {
        guard Self.problem(term) == nil else { return nil }
        self.term = term
    }

    /// Why a term cannot be searched for, or `nil` if it can.
    public static func problem(_ term: String) -> String? {
        if term.unicodeScalars.count > maximumLength || term.unicodeScalars.contains("\u{0}") {
            return "must be at most \(maximumLength) characters with no NUL"
        }
        var run = 0
        for scalar in term.unicodeScalars {
            run = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)) ? run + 1 : 0
            if run >= minimumRun { return nil }
        }
        return "must contain at least \(minimumRun) ASCII letters or digits in a row"
    }

    /// `q` in the OpenAPI document: the same rule as `problem`, as a pattern (an empty `q`
    /// means no search).
    static var openAPISchema: JSONValue {
        [
            "type": "string", "format": "search-term", "maxLength": .int(maximumLength),
            "pattern": .string("^(|[^\\x00]*[A-Za-z0-9]{\(minimumRun)}[^\\x00]*)$"),
        ]
    }

    static let openAPIDescription = "Case-insensitive substring of the name. A term must contain at least \(minimumRun) ASCII letters or digits in a row, which the trigram index can serve; shorter terms are 422. Empty means no search."
}
