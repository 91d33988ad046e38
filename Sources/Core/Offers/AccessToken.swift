import Foundation

/// An access token of the offers service and the moment it stops working.
///
/// The service answers `POST /auth` with only `{"access_token": "<JWT>"}`; the expiry is
/// read from the JWT's `exp` claim (the payload is only decoded, not verified: the job
/// cannot verify the service's signature and does not need to, it only schedules
/// renewal). A token without a readable `exp` is assumed to live the documented
/// five minutes from when it was received.
public struct AccessToken: Sendable, Equatable {
    public let value: String
    public let expiresAt: Date
    /// When this process (or the run that stored it) received it.
    public let obtainedAt: Date

    /// The documented lifetime, used when the token does not say.
    public static let documentedLifetime: TimeInterval = 300

    public init(value: String, expiresAt: Date, obtainedAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
        self.obtainedAt = obtainedAt
    }

    /// A token just received from the service.
    public init(issued value: String, now: Date) {
        let expiry = Self.jwtExpiry(value).map { Date(timeIntervalSince1970: $0) }
        // Trust the claim only when it is plausible: in the future and within a day.
        if let expiry, expiry > now, expiry.timeIntervalSince(now) <= 86_400 {
            self.init(value: value, expiresAt: expiry, obtainedAt: now)
        } else {
            self.init(value: value, expiresAt: now.addingTimeInterval(Self.documentedLifetime), obtainedAt: now)
        }
    }

    /// How long before expiry a stored token stops being reused: 30 s, or a fifth of the
    /// token's lifetime for short-lived tokens (tests use tokens of a few seconds).
    public var renewalMargin: TimeInterval {
        min(30, max(0, expiresAt.timeIntervalSince(obtainedAt)) / 5)
    }

    /// Whether a run starting at `now` should use this token without asking for a new one.
    public func isFresh(at now: Date) -> Bool {
        expiresAt.timeIntervalSince(now) > renewalMargin
    }

    /// The `exp` claim (seconds since 1970) of a JWT, if it has one.
    static func jwtExpiry(_ token: String) -> Double? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
              case .object(let claims)? = try? JSONParser.parse(payload, limits: RemoteOffer.parsingLimits),
              case .number(let literal)? = claims["exp"], let exp = Double(literal), exp.isFinite
        else { return nil }
        return exp
    }
}
