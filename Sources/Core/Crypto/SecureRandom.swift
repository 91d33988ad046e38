import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG.
///
/// Used for request ids, salts and identifiers that must not be guessable. OpenSSL
/// reseeds per process after `fork()`, so pre-forked workers never share a stream.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(ok == 1, "RAND_bytes failed: the CSPRNG is unavailable")
        return buffer
    }
}
