/// Keeps the price history's daily partitions (events and hourly roll-ups,
/// migrations/0009) moving: the coming days
/// exist before an event needs them, and days past the retention are dropped whole, with
/// their rows of hour points (`offer_price_days`, migrations/0012, not partitioned: a
/// delete by its index on `day`, a day's rows at a time).
///
/// Run by the offer-sync job at the start of every run, on its own connection, outside
/// any transaction, with a short `lock_timeout`: nothing here may hold up the API's
/// reads or the sync's writes. Adding a day attaches a new empty table (a SHARE UPDATE
/// EXCLUSIVE lock on the parent, which reads and inserts do not conflict with); an
/// expired day is detached `CONCURRENTLY` (the same lock, then it waits for the queries
/// that may still see it) and then dropped as a table of its own. A step that cannot get
/// its lock or is interrupted is simply done by a later run: the days ahead leave two
/// days of slack, and a detach left pending is finalised first.
public enum PriceHistoryPartitions {
    /// Partitions exist from today (UTC) to this many days ahead.
    public static let daysAhead = 2
    static let lockTimeout = "1s"

    /// What one maintenance pass did.
    public struct Outcome: Sendable, Equatable {
        public var added = 0
        public var dropped: [String] = []
        /// Rows of `offer_price_days` (a product's day) deleted past the retention.
        public var expiredDays = 0
    }

    public static func maintain(_ db: PostgresConnection, retentionDays: Int) throws(DatabaseError) -> Outcome {
        var outcome = Outcome()
        try db.execute("SET lock_timeout = '\(lockTimeout)'")
        defer { _ = try? db.execute("RESET lock_timeout") }
        outcome.added = try db.query("""
            SELECT count(*) FILTER (WHERE offer_price_history_add_partitions((now() AT TIME ZONE 'UTC')::date + d))
            FROM generate_series(0, \(daysAhead)::int) AS d
            """).first?.decode(Int.self) ?? 0
        // Expired as the partitions are (`expiredSQL`): the whole day older than the retention.
        outcome.expiredDays = try db.query("""
            DELETE FROM offer_price_days WHERE day <= now() - make_interval(days => \(retentionDays + 1))
            """).affectedRows
        for (name, isPartition, detachPending, parent) in try db.query(expiredSQL(retentionDays: retentionDays)).decode((String, Bool, Bool, String).self) {
            // The name comes from the catalogue, quoted by PostgreSQL (`quote_ident`), and
            // matches the partitions' naming pattern: DDL takes no parameters.
            if isPartition {
                let step = detachPending ? "FINALIZE" : "CONCURRENTLY"
                try db.execute("ALTER TABLE \(parent) DETACH PARTITION \(name) \(step)")
            }
            try db.execute("DROP TABLE \(name)")
            outcome.dropped.append(name)
        }
        return outcome
    }

    /// Days whose whole span is older than the retention, in both tables: partitions
    /// (with a detach possibly left pending by an interrupted run) and tables already
    /// detached whose drop did not happen; with the parent of each (the name less `_YYYYMMDD`).
    static func expiredSQL(retentionDays: Int) -> SQL {
        """
        SELECT quote_ident(c.relname), c.relispartition, coalesce(i.inhdetachpending, false),
               quote_ident(substr(c.relname, 1, length(c.relname) - 9))
        FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
        WHERE c.relkind = 'r'
          AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'offer_price_events'::regclass)
          AND c.relname ~ '^offer_price_(events|hourly)_[0-9]{8}$'
          AND (i.inhparent IS NULL OR i.inhparent IN ('offer_price_events'::regclass, 'offer_price_hourly'::regclass))
          AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp
              <= (now() AT TIME ZONE 'UTC') - make_interval(days => \(retentionDays))
        ORDER BY c.relname
        """
    }
}
