import COpenSSL

/// Message digests through OpenSSL's EVP interface.
public enum Digest {
    /// SHA-256 of `data` (32 bytes).
    public static func sha256<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = Array(data).withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &output, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1, "EVP_Digest(SHA-256) failed")
        return Array(output.prefix(Int(length)))
    }
}
