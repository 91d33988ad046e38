/// Why a sync run could not do its work at all (as opposed to one product failing).
///
/// Each case reads as an instruction to the operator, since it ends up in the summary
/// line of a failed systemd run.
public enum OfferSyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database failed (connect, lock, read, or write): nothing more can be recorded.
    case database(DatabaseError)
    /// `POST /auth` answered 401: `OFFERS_REFRESH_TOKEN` is wrong or revoked.
    case refreshTokenRejected(detail: String?)
    /// `POST /auth` answered 400 "another token is valid" and no token is stored here:
    /// someone else (another installation with the same refresh token, a manual call, or a
    /// database restored without its token) holds it. Waiting it out is the only fix.
    case tokenHeldElsewhere(detail: String?)
    /// `POST /auth` failed for another reason (down, timeout, garbage).
    case authenticationFailed(OffersClientError)
    /// A second 401 after this run already re-authenticated once.
    case reauthenticationExhausted

    public var description: String {
        switch self {
        case .database(let error):
            "database error: \(error)"
        case .refreshTokenRejected(let detail):
            "the offers service rejected the refresh token (401\(detail.map { ": \($0)" } ?? "")); check OFFERS_REFRESH_TOKEN / OFFERS_REFRESH_TOKEN_FILE"
        case .tokenHeldElsewhere(let detail):
            "the offers service will not issue an access token because another one is still valid (400\(detail.map { ": \($0)" } ?? "")), "
                + "and none is stored in the database; it was obtained elsewhere (another client using the same refresh token, "
                + "or the database lost it). New tokens are issued once it expires (at most 5 minutes): later runs will recover by themselves"
        case .authenticationFailed(let error):
            "could not obtain an access token: \(error)"
        case .reauthenticationExhausted:
            "the offers service refused the access token again after re-authenticating once this run (401)"
        }
    }
}
