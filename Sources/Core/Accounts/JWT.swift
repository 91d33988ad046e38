/// The claims Catalog puts in an access token (RFC 7519 §4.1 names in brackets).
public struct JWTClaims: Sendable, Equatable {
    /// The user's id [`sub`].
    public var subject: String
    /// The user's role when the token was issued [`role`, a private claim].
    public var role: String
    /// Seconds since the Unix epoch [`iat`]; also compared with the password-change time.
    public var issuedAt: Int64
    /// Seconds since the Unix epoch [`exp`].
    public var expiresAt: Int64
    /// Who issued the token [`iss`]; must equal the verifying signer's issuer.
    public var issuer: String
    /// The user's token version when the token was issued [`ver`, a private claim]; bumping
    /// the stored version (password or role change) invalidates every older token.
    public var version: Int64

    public init(subject: String, role: String, issuedAt: Int64, expiresAt: Int64, issuer: String, version: Int64 = 0) {
        self.subject = subject
        self.role = role
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.issuer = issuer
        self.version = version
    }
}

/// Why a token was rejected. Every case is a 401 to the client; the distinction is for logs and tests.
public enum JWTError: Error, Sendable, Equatable {
    /// Not three base64url segments, not JSON objects, a claim of the wrong type, or an
    /// unsupported header (`typ` other than "JWT", any `crit`).
    case malformed
    /// `alg` missing or anything but "HS256" (notably "none").
    case unsupportedAlgorithm
    /// The HMAC does not match: tampered, or signed with another secret.
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    /// A required claim (`sub`, `role`, `iat`, `exp`, `iss`, `ver`) is absent.
    case missingClaim(String)
}

/// Issues and checks JWTs signed with HMAC-SHA-256 (JWS compact serialisation, RFC 7515).
///
/// Only HS256 is accepted, whatever the header says: the algorithm is fixed by the
/// server, never chosen by the token (the classic "alg: none" and algorithm-confusion
/// attacks). The signature is checked in constant time before any claim is read.
public struct JWTSigner: Sendable {
    /// Tokens longer than this are rejected before any decoding; ours are about 250 bytes.
    public static let maximumTokenLength = 4096

    private let secret: [UInt8]
    public let issuer: String

    /// `secret` should be at least 32 random bytes (RFC 7518 §3.2 requires a key as long as the hash).
    public init(secret: [UInt8], issuer: String) {
        precondition(!secret.isEmpty, "a JWT secret must not be empty")
        self.secret = secret
        self.issuer = issuer
    }

    /// The compact token `header.payload.signature` for `claims`.
    public func sign(_ claims: JWTClaims) -> String {
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let payload: JSONValue = [
            "sub": .string(claims.subject),
            "role": .string(claims.role),
            "iat": .int(claims.issuedAt),
            "exp": .int(claims.expiresAt),
            "iss": .string(claims.issuer),
            "ver": .int(claims.version),
        ]
        let signingInput = Base64URL.encode(header.encoded) + "." + Base64URL.encode(payload.encoded)
        return signingInput + "." + Self.signature(signingInput: Array(signingInput.utf8), secret: secret)
    }

    /// The base64url HS256 signature segment over the exact bytes `signingInput`
    /// (`base64url(header) "." base64url(payload)`), exposed to test against RFC 7515 A.1.
    public static func signature(signingInput: [UInt8], secret: [UInt8]) -> String {
        Base64URL.encode(HMAC.sha256(key: secret, message: signingInput))
    }

    /// The claims of `token` if it is a well-formed HS256 JWT signed with this secret,
    /// issued by this issuer, and valid at `now` (Unix seconds) give or take `leeway` seconds of clock skew.
    public func verify(_ token: String, now: Int64, leeway: Int64 = 30) throws(JWTError) -> JWTClaims {
        guard token.utf8.count <= Self.maximumTokenLength else { throw .malformed }
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3, segments.allSatisfy({ !$0.isEmpty }) else { throw .malformed }

        // Header: decides nothing but whether this is the one format we accept.
        let header = try Self.object(segments[0])
        guard case .string("HS256")? = header["alg"] else { throw .unsupportedAlgorithm }
        if let type = header["typ"], type != .string("JWT") { throw .malformed }
        if header["crit"] != nil { throw .malformed }  // RFC 7515 §4.1.11: no extensions understood

        // Signature, before the payload is trusted or even parsed.
        guard let signature = Base64URL.decode(String(decoding: segments[2], as: UTF8.self)) else { throw .malformed }
        let signingInput = Array(token.utf8.prefix(segments[0].count + 1 + segments[1].count))
        guard ConstantTime.equals(HMAC.sha256(key: secret, message: signingInput), signature) else {
            throw .badSignature
        }

        let payload = try Self.object(segments[1])
        let claims = JWTClaims(
            subject: try Self.string(payload, "sub"),
            role: try Self.string(payload, "role"),
            issuedAt: try Self.integer(payload, "iat"),
            expiresAt: try Self.integer(payload, "exp"),
            issuer: try Self.string(payload, "iss"),
            version: try Self.integer(payload, "ver")
        )
        guard claims.issuer == issuer else { throw .wrongIssuer }
        // Compared on the trusted side (`now`, `leeway`) so that no untrusted value is added to.
        guard claims.expiresAt >= now - leeway else { throw .expired }
        guard claims.issuedAt <= now + leeway else { throw .notYetValid }
        return claims
    }

    // MARK: - Decoding

    private static func object(_ segment: Substring.UTF8View) throws(JWTError) -> JSONObject {
        guard let bytes = Base64URL.decode(String(decoding: segment, as: UTF8.self)) else { throw .malformed }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .malformed }
        guard case .object(let object) = value else { throw .malformed }
        return object
    }

    private static func string(_ payload: JSONObject, _ name: String) throws(JWTError) -> String {
        guard let value = payload[name] else { throw .missingClaim(name) }
        guard case .string(let string) = value else { throw .malformed }
        return string
    }

    /// An integer claim (NumericDate); fractions, exponents and out-of-range values are malformed.
    private static func integer(_ payload: JSONObject, _ name: String) throws(JWTError) -> Int64 {
        guard let value = payload[name] else { throw .missingClaim(name) }
        guard case .number(let literal) = value, let integer = Int64(literal) else { throw .malformed }
        return integer
    }
}
