/// Parsing of `application/x-www-form-urlencoded` query strings.
public enum QueryString {
    /// Decodes `a=1&b=two+words` into a dictionary; the first occurrence of a name wins,
    /// and a pair whose percent-encoding is invalid is dropped.
    public static func parse(_ raw: String) -> [String: String] {
        var result: [String: String] = [:]
        guard !raw.isEmpty else { return result }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(parts[0], plusAsSpace: true) else { continue }
            let value = parts.count > 1 ? PercentEncoding.decode(parts[1], plusAsSpace: true) : ""
            guard let value, result[name] == nil else { continue }
            result[name] = value
        }
        return result
    }

    /// Encodes pairs in order, for building `Link` URLs.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }
}

/// RFC 3986 percent-encoding.
public enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as a space when asked); `nil` for a bad escape or invalid UTF-8.
    public static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Encodes everything but RFC 3986 unreserved characters.
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
