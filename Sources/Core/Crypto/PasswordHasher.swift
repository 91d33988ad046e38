import COpenSSL

/// Password hashing with scrypt (RFC 7914) through OpenSSL's `EVP_PBE_scrypt`.
///
/// scrypt is memory-hard, so guessing stolen hashes on GPUs or ASICs costs memory as
/// well as time. Each hash is stored as one self-describing string,
///
///     $scrypt$ln=14,r=8,p=5$<base64url 16-byte salt>$<base64url 32-byte key>
///
/// so that the cost parameters can be raised later: old hashes still verify and report
/// `needsRehash`, and the caller re-hashes the password it has just proven correct.
public struct PasswordHasher: Sendable {
    /// scrypt's cost parameters: N = 2^logN (CPU/memory cost), r (block size), p (parallelism).
    public struct Parameters: Sendable, Equatable {
        public var logN: Int
        public var r: Int
        public var p: Int

        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// N = 2^14, r = 8, p = 5: about 16 MiB per hash, one of the equivalent settings
        /// the OWASP Password Storage Cheat Sheet recommends for scrypt.
        public static let owasp = Parameters(logN: 14, r: 8, p: 5)

        /// Bytes of memory scrypt needs: 128·r·(N+2) for V plus 128·r·p for B (as OpenSSL counts it).
        public var memoryBytes: UInt64 {
            let r = UInt64(r), p = UInt64(p), n = UInt64(1) << UInt64(logN)
            return 128 * r * (n + 2) + 128 * r * p
        }

        /// Whether these parameters are within the bounds this hasher accepts. Stored
        /// strings outside them verify as `.invalid`, so a corrupted row cannot make a
        /// login allocate gigabytes or run for minutes.
        public var isSupported: Bool {
            (1...20).contains(logN) && (1...32).contains(r) && (1...16).contains(p)
                && memoryBytes <= PasswordHasher.maximumMemory
        }
    }

    /// The outcome of checking a password against a stored hash.
    public enum Verification: Sendable, Equatable {
        /// Wrong password, or a stored string that is not a hash this type understands.
        case invalid
        /// The password matches; `needsRehash` when the hash was made with other parameters
        /// than the hasher's current ones.
        case valid(needsRehash: Bool)
    }

    /// Upper bound on scrypt's memory (`maxmem`), well above `.owasp`'s 16 MiB.
    public static let maximumMemory: UInt64 = 64 << 20

    static let saltLength = 16
    static let keyLength = 32
    private static let scheme = "scrypt"

    public let parameters: Parameters
    /// A well-formed stored hash with the current parameters that no password matches,
    /// for `dummyVerify`.
    private let dummyHash: String

    public init(parameters: Parameters = .owasp) {
        precondition(parameters.isSupported, "unsupported scrypt parameters \(parameters)")
        self.parameters = parameters
        self.dummyHash = Self.format(
            parameters: parameters,
            salt: [UInt8](repeating: 0xA5, count: Self.saltLength),
            key: [UInt8](repeating: 0, count: Self.keyLength)
        )
    }

    /// A new stored hash of `password` (its UTF-8 bytes) with a fresh random salt.
    public func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(Self.saltLength)
        guard let key = Self.derive(Array(password.utf8), salt: salt, parameters: parameters, length: Self.keyLength) else {
            preconditionFailure("EVP_PBE_scrypt failed with supported parameters")
        }
        return Self.format(parameters: parameters, salt: salt, key: key)
    }

    /// Checks `password` against a stored hash. Never traps: anything unparsable is `.invalid`.
    public func verify(_ password: String, against encoded: String) -> Verification {
        guard let stored = Self.parse(encoded),
              let key = Self.derive(Array(password.utf8), salt: stored.salt, parameters: stored.parameters, length: stored.key.count),
              ConstantTime.equals(key, stored.key)
        else { return .invalid }
        return .valid(needsRehash: stored.parameters != parameters)
    }

    /// Spends the time of a real verification and discards the result, so that a login
    /// for an unknown email takes as long as one with a wrong password.
    public func dummyVerify(_ password: String) {
        _ = verify(password, against: dummyHash)
    }

    // MARK: - Format

    private static func format(parameters: Parameters, salt: [UInt8], key: [UInt8]) -> String {
        "$\(scheme)$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"
    }

    private static func parse(_ encoded: String) -> (parameters: Parameters, salt: [UInt8], key: [UInt8])? {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == scheme else { return nil }
        let settings = fields[2].split(separator: ",", omittingEmptySubsequences: false)
        guard settings.count == 3,
              let logN = integer(settings[0], named: "ln"),
              let r = integer(settings[1], named: "r"),
              let p = integer(settings[2], named: "p")
        else { return nil }
        let parameters = Parameters(logN: logN, r: r, p: p)
        guard parameters.isSupported,
              let salt = Base64URL.decode(String(fields[3])), (8...64).contains(salt.count),
              let key = Base64URL.decode(String(fields[4])), key.count == keyLength
        else { return nil }
        return (parameters, salt, key)
    }

    /// The value of `name=<decimal>`, accepting only the canonical spelling (no sign, no leading zeros).
    private static func integer(_ setting: Substring, named name: String) -> Int? {
        let prefix = name + "="
        guard setting.hasPrefix(prefix) else { return nil }
        let digits = setting.dropFirst(prefix.count)
        guard digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(digits), String(value) == digits
        else { return nil }
        return value
    }

    // MARK: - scrypt

    private static func derive(_ password: [UInt8], salt: [UInt8], parameters: Parameters, length: Int) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: length)
        // An empty array may have no base address, and OpenSSL wants a pointer even for
        // zero bytes, so empty inputs are passed as a one-byte buffer with length 0.
        let passBytes = password.isEmpty ? [0] : password
        let saltBytes = salt.isEmpty ? [0] : salt
        let ok = passBytes.withUnsafeBytes { pass in
            saltBytes.withUnsafeBytes { saltBuffer in
                key.withUnsafeMutableBytes { output in
                    EVP_PBE_scrypt(
                        pass.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                        saltBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), salt.count,
                        UInt64(1) << UInt64(parameters.logN), UInt64(parameters.r), UInt64(parameters.p),
                        maximumMemory,
                        output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count
                    )
                }
            }
        }
        return ok == 1 ? key : nil
    }
}
