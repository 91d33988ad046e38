/// Per-account throttling of failed sign-ins, visible to every worker (it lives in
/// PostgreSQL), with lock-out protection.
///
/// After `Policy.freeFailures` failures for one email, each further attempt for it must
/// wait a growing interval (`429` with `Retry-After`), checked before any password is
/// hashed, so guessing one account's password costs the guesser time and the service
/// almost nothing. Unknown emails are counted exactly like known ones: the answer never
/// says whether an account exists.
///
/// Lock-out protection: an attempt from a client address (`ClientAddress.key`) where the
/// account's owner has signed in successfully before is not held back. An attacker
/// elsewhere can exhaust the account's free attempts, but not lock the owner out of the
/// places the owner normally signs in from; a new place waits out the interval, or an
/// operator clears it with `catalog admin unthrottle --email`.
public enum LoginThrottle {
    /// The throttle's numbers, declared once.
    public struct Policy: Sendable, Equatable {
        /// Failures allowed before the first wait.
        public var freeFailures = 5
        /// The first wait; each further failure doubles it.
        public var firstWaitSeconds = 1
        /// The longest wait: with it, one account can be tried about 100 times a day.
        public var maximumWaitSeconds = 900
        /// A run of failures is forgotten after this long without a failure.
        public var forgetAfterSeconds = 86_400
        /// How many successful sign-in addresses are remembered per user (the most recent).
        public var rememberedAddresses = 16

        public init() {}

        /// The wait imposed after the `failures`-th consecutive failure, or `nil` for none.
        public func waitSeconds(afterFailures failures: Int) -> Int? {
            guard failures >= freeFailures else { return nil }
            let doublings = min(failures - freeFailures, 30)
            return min(maximumWaitSeconds, firstWaitSeconds << doublings)
        }
    }

    /// The key an email is counted under: hex SHA-256 of its normalised form, so an
    /// unknown address someone typed is not stored in the clear.
    public static func emailKey(_ email: String) -> String {
        Hex.encode(Digest.sha256(Array(EmailAddress.normalize(email).utf8)))
    }

    /// Seconds the caller must still wait before an attempt for `email` from
    /// `addressKey`, or `nil` when it may try now.
    static func waitSeconds(_ db: PostgresConnection, email: String, addressKey: String?) throws(DatabaseError) -> Int? {
        guard let row = try db.query("""
            SELECT ceil(extract(epoch FROM f.blocked_until - now()))::bigint
            FROM login_failures f
            WHERE f.email_key = \(emailKey(email)) AND f.blocked_until > now()
              AND NOT EXISTS (
                  SELECT 1 FROM login_addresses a JOIN users u ON u.id = a.user_id
                  WHERE u.email = \(EmailAddress.normalize(email)) AND a.address_key = \(addressKey))
            """).first
        else { return nil }
        return max(1, try row.decode(Int.self))
    }

    /// Counts a failed attempt and sets the wait the policy imposes. Returns that wait.
    @discardableResult
    static func recordFailure(_ db: PostgresConnection, email: String, policy: Policy) throws(DatabaseError) -> Int? {
        let key = emailKey(email)
        guard let row = try db.query("""
            INSERT INTO login_failures AS f (email_key, failures, last_failure_at)
            VALUES (\(key), 1, now())
            ON CONFLICT (email_key) DO UPDATE SET
                failures = CASE WHEN f.last_failure_at < now() - make_interval(secs => \(policy.forgetAfterSeconds)) THEN 1
                                ELSE f.failures + 1 END,
                last_failure_at = now()
            RETURNING f.failures
            """).first
        else { throw .decoding("INSERT returned no row") }
        let wait = policy.waitSeconds(afterFailures: try row.decode(Int.self))
        // Housekeeping rides along with about one failure in 64 (indexed, so cheap), so
        // a flood of made-up emails cannot grow the table without bound.
        if Int.random(in: 0..<64) == 0 { _ = try forgetStale(db, policy: policy) }
        if let wait {
            _ = try db.query(
                "UPDATE login_failures SET blocked_until = now() + make_interval(secs => \(wait)) WHERE email_key = \(key)")
        }
        return wait
    }

    /// A successful sign-in: forgets the failures and remembers where it came from.
    static func recordSuccess(_ db: PostgresConnection, email: String, userID: Int64, addressKey: String?, policy: Policy) throws(DatabaseError) {
        _ = try db.query("DELETE FROM login_failures WHERE email_key = \(emailKey(email))")
        guard let addressKey else { return }
        _ = try db.query("""
            INSERT INTO login_addresses (user_id, address_key, last_success_at) VALUES (\(userID), \(addressKey), now())
            ON CONFLICT (user_id, address_key) DO UPDATE SET last_success_at = now()
            """)
        _ = try db.query("""
            DELETE FROM login_addresses WHERE user_id = \(userID) AND address_key NOT IN (
                SELECT address_key FROM login_addresses WHERE user_id = \(userID)
                ORDER BY last_success_at DESC LIMIT \(policy.rememberedAddresses))
            """)
    }

    /// Removes runs of failures older than the policy's memory; how many.
    public static func forgetStale(_ db: PostgresConnection, policy: Policy) throws(DatabaseError) -> Int {
        try db.query(
            "DELETE FROM login_failures WHERE last_failure_at < now() - make_interval(secs => \(policy.forgetAfterSeconds)) RETURNING 1"
        ).rowCount
    }

    /// Clears the throttle of one email (`catalog admin unthrottle`). Returns whether it had one.
    public static func clear(_ db: PostgresConnection, email: String) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM login_failures WHERE email_key = \(emailKey(email)) RETURNING 1").rowCount > 0
    }
}
