/// A `timestamptz` column as the API writes it: RFC 3339 UTC with whole seconds
/// (`2026-11-23T10:00:00Z`). Connections run with `TimeZone=UTC` and ISO `DateStyle`
/// (migration 0010), so the server's text is `2026-11-23 10:00:00.123456+00`.
public struct Timestamp: Sendable, Equatable, PostgresTextDecodable {
    public let rfc3339: String

    public static func accepts(_ type: PostgresType) -> Bool { type == .timestamptz }

    public init?(postgresText bytes: UnsafeBufferPointer<UInt8>) {
        guard let text = Self.rfc3339(fromPostgres: bytes) else { return nil }
        rfc3339 = text
    }

    /// `2026-11-23 10:00:00.123456+00` → `2026-11-23T10:00:00Z`; `nil` unless UTC.
    public static func rfc3339(fromPostgres text: String) -> String? {
        var text = text
        return text.withUTF8 { rfc3339(fromPostgres: $0) }
    }

    /// The same, from the bytes of the server's text, written straight into the result.
    public static func rfc3339(fromPostgres bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isUTC(bytes) else { return nil }
        return String(unsafeUninitializedCapacity: 20) { output in
            write(bytes, into: output)
            return 20
        }
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`: the server's ISO text of a UTC moment.
    private static func isUTC(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        return n >= 22 && bytes[10] == UInt8(ascii: " ") && bytes[n - 3] == UInt8(ascii: "+")
            && bytes[n - 2] == UInt8(ascii: "0") && bytes[n - 1] == UInt8(ascii: "0")
    }

    /// The 20 bytes of `YYYY-MM-DDTHH:MM:SSZ` (whole seconds) into `output`.
    private static func write(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<10 { output[i] = bytes[i] }
        output[10] = UInt8(ascii: "T")
        for i in 11..<19 { output[i] = bytes[i] }
        output[19] = UInt8(ascii: "Z")
    }
}
