/// Lower-case hexadecimal encoding.
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        encode(bytes, prefix: nil, suffix: nil)
    }

    /// The hex digits of `bytes` between optional one-byte ASCII delimiters, written
    /// straight into the string's storage (an ETag is a quoted hex digest per response).
    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes, prefix: UInt8?, suffix: UInt8?) -> String {
        let count = bytes.count * 2 + (prefix == nil ? 0 : 1) + (suffix == nil ? 0 : 1)
        return String(unsafeUninitializedCapacity: count) { buffer in
            digits.withUTF8Buffer { digits in
                var index = 0
                if let prefix { buffer[index] = prefix; index += 1 }
                for byte in bytes {
                    buffer[index] = digits[Int(byte >> 4)]
                    buffer[index + 1] = digits[Int(byte & 0x0F)]
                    index += 2
                }
                if let suffix { buffer[index] = suffix; index += 1 }
                return index
            }
        }
    }
}
