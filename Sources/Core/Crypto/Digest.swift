import COpenSSL

/// Message digests through OpenSSL's EVP interface.
public enum Digest {
    /// SHA-256 as a fetched algorithm object, fetched once per process.
    ///
    /// `EVP_sha256()` makes OpenSSL 3 look the implementation up in its provider store
    /// on every digest (a locked, property-matched fetch); a fetched object skips that.
    /// Every `GET` hashes its body for the ETag, so the lookup showed in profiles.
    /// Fetched algorithms are reference counted and safe to share between threads.
    nonisolated(unsafe) private static let sha256Algorithm: OpaquePointer = {
        guard let algorithm = EVP_MD_fetch(nil, "SHA2-256", nil) else {
            fatalError("OpenSSL has no SHA2-256 implementation")
        }
        return algorithm
    }()

    /// SHA-256 of `data` (32 bytes).
    public static func sha256<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        if let digest = data.withContiguousStorageIfAvailable({ sha256(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(data).withUnsafeBytes { sha256($0) }
    }

    private static func sha256(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = output.withUnsafeMutableBufferPointer { digest in
            EVP_Digest(input.baseAddress, input.count, digest.baseAddress, &length, sha256Algorithm, nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return output
    }
}
