/// Email address normalisation and a deliberately modest validity check.
///
/// Addresses are stored trimmed and lower-cased, which makes uniqueness case-insensitive
/// (`Ann@Example.com` and `ann@example.com` are one account). The check rejects what is
/// clearly not an address; proving deliverability is a confirmation email's job.
public enum EmailAddress {
    public static let maximumLength = 254

    public static func normalize(_ text: String) -> String {
        text.trimmingWhitespace().lowercased()
    }

    /// Why `normalized` is not acceptable, or `nil` when it is.
    public static func problem(with normalized: String) -> String? {
        guard !normalized.isEmpty else { return "must not be empty" }
        guard normalized.utf8.count <= maximumLength else { return "must be at most \(maximumLength) characters" }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !normalized.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
        else { return "must be an email address such as name@example.com" }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
