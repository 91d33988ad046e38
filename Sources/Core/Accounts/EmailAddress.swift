/// Email address normalisation and a syntax check.
///
/// Addresses are stored trimmed and lower-cased, which makes uniqueness case-insensitive
/// (`Ann@Example.com` and `ann@example.com` are one account). The check accepts only what
/// the OpenAPI document's `format: email` accepts (so every stored address is one the
/// document promises); proving deliverability is a confirmation email's job.
public enum EmailAddress {
    public static let maximumLength = 254

    public static func normalize(_ text: String) -> String {
        text.trimmingWhitespace().lowercased()
    }

    /// Why `normalized` is not acceptable, or `nil` when it is.
    ///
    /// An address is `local@domain` as the OpenAPI document's `format: email` reads it
    /// (RFC 5321/5322 addr-spec, which the contract run holds the service to), minus the
    /// rarely used forms: the local part is a dot-atom of at most 64 characters (letters,
    /// digits and ``!#$%&'*+-/=?^_`{|}~``, dots only between them; no quoted strings), and
    /// the domain a host name with at least one dot (labels of letters, digits and inner
    /// hyphens, at most 63 characters each; no address literals).
    public static func problem(with normalized: String) -> String? {
        guard !normalized.isEmpty else { return "must not be empty" }
        guard normalized.utf8.count <= maximumLength else { return "must be at most \(maximumLength) characters" }
        let invalid = "must be an email address such as name@example.com"
        let parts = normalized.utf8.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return invalid }
        let local = parts[0], domain = parts[1]
        let atoms = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...64).contains(local.count), atoms.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isAtext) }) else { return invalid }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253,
              labels.allSatisfy({ label in
                  (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                      && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
              })
        else { return invalid }
        return nil
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// RFC 5322 `atext`.
    private static func isAtext(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
