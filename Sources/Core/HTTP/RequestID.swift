import HTTPTypes

/// Request correlation ids.
///
/// nginx keeps the client's `X-Request-ID` when it follows the rule below and otherwise
/// uses its own `$request_id`; it logs that id and forwards it to the service, which
/// echoes it and writes it into its own log line. The service applies the same rule, so
/// an id nginx kept is never replaced here (which would leave nginx's log and ours with
/// different ids), and a request that did not come through nginx still gets an id.
///
/// The rule is declared once, here: `pattern` is the very regular expression of the
/// `map $http_x_request_id` in deploy/nginx.conf, and a test checks the two are the same
/// text. Letters, digits and `._:@+/=-`, 1 to 128 bytes: no spaces, quotes, backslashes
/// or control characters, so an id cannot smuggle anything into a log line or a header,
/// while clients may still send the ids they already have (UUIDs, base64,
/// `service:trace`, URNs).
public enum RequestID {
    public static let headerName = HTTPField.Name.xRequestID
    public static let maximumLength = 128
    /// The characters allowed besides ASCII letters and digits; `-` comes last so that it
    /// is literal inside the regular expression's bracket expression.
    public static let punctuation = "._:@+/=-"

    /// The rule as the regular expression nginx's map uses (PCRE). It ends in `\z`, not
    /// `$`, which would also match before a final newline.
    public static let pattern = "^[A-Za-z0-9\(punctuation)]{1,\(maximumLength)}\\z"

    /// Allowed bytes, built from the same declaration as `pattern`.
    private static let allowedBytes: [Bool] = (0...255).map { byte in
        let byte = UInt8(byte)
        return (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || punctuation.utf8.contains(byte)
    }

    /// The incoming id when it is acceptable, otherwise a new one.
    public static func resolve(_ incoming: String?) -> String {
        if let incoming, isAcceptable(incoming) { return incoming }
        return generate()
    }

    /// Whether `id` matches `pattern`.
    public static func isAcceptable(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maximumLength else { return false }
        return id.utf8.allSatisfy { allowedBytes[Int($0)] }
    }

    /// 16 random bytes as 32 hex digits, the same shape as nginx's `$request_id`.
    public static func generate() -> String {
        Hex.encode(SecureRandom.bytes(16))
    }
}
