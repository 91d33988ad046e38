import COpenSSL

/// Comparison of secrets in time independent of their contents.
///
/// A byte-by-byte `==` that stops at the first difference lets an attacker learn a MAC
/// or password hash one byte at a time from response timings; `CRYPTO_memcmp` always
/// reads every byte. Only the length may leak, and lengths here are public (32 bytes).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes; `false` at once when their lengths differ.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }
}
