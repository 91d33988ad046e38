import HTTPTypes

/// Request correlation ids.
///
/// nginx forwards the client's `X-Request-ID` or its own `$request_id`. An id is accepted
/// only if it is short and made of URL-safe characters, because it is written into log
/// lines and response headers: anything else is replaced by a fresh random id.
public enum RequestID {
    public static let headerName = HTTPField.Name.xRequestID
    public static let maximumLength = 128

    /// The incoming id when it is acceptable, otherwise a new one.
    public static func resolve(_ incoming: String?) -> String {
        if let incoming, isAcceptable(incoming) { return incoming }
        return generate()
    }

    public static func isAcceptable(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maximumLength else { return false }
        return id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }
    }

    /// 16 random bytes as 32 hex digits, the same shape as nginx's `$request_id`.
    public static func generate() -> String {
        Hex.encode(SecureRandom.bytes(16))
    }
}

