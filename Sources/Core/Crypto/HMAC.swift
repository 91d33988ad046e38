import COpenSSL

/// Keyed message authentication (RFC 2104) through OpenSSL's one-shot `HMAC()`.
///
/// Used to sign and check JWTs (HS256). Its output is a secret-dependent tag: compare
/// it only with `ConstantTime.equals`, never with `==`.
public enum HMAC {
    /// HMAC-SHA-256 of `message` under `key` (32 bytes). Any key length is valid.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // An empty array may have no base address, and OpenSSL reads a NULL key as "reuse
        // the previous key", so empty inputs are passed as a one-byte buffer with length 0.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        let result = keyBytes.withUnsafeBytes { keyBuffer in
            messageBytes.withUnsafeBytes { messageBuffer in
                COpenSSL.HMAC(
                    EVP_sha256(),
                    keyBuffer.baseAddress, Int32(key.count),
                    messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count,
                    &output, &length
                )
            }
        }
        precondition(result != nil && length == 32, "HMAC(SHA-256) failed")
        return Array(output.prefix(Int(length)))
    }
}
