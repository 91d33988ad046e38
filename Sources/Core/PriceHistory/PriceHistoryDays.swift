/// Closed days of the price history, rendered once: each product's day of hour points kept
/// as the JSON the API writes for them (`offer_price_days`, migrations/0011), so a month
/// read at `bucket=hour` is about 30 rows of text instead of 720 roll-ups formatted again
/// on every request (`PriceHistoryStore.hoursSQL` splices them in).
///
/// A day is rendered once it has been over for `settleMicroseconds`: an event is stamped
/// with the start of the sync transaction that writes it (`now()`), and no sync statement
/// runs for an hour (statement timeout, run deadline), so nothing is recorded into a day
/// after that and its rendering never goes stale. Days are rendered in order, every product
/// of a day before `offer_price_days_rendered.through` moves past it; reads take rendered
/// rows only before `through` and the roll-ups from it on, so a day left half rendered (a
/// run stopped midway) is read from the roll-ups until a later run finishes it. Writing an
/// event into a rendered day by hand (a backfill) would not show at `bucket=hour`: the sync
/// never does, and a backfill must come before the days are rendered (as the benchmark's
/// seed does).
///
/// Run by the offer-sync job after the partitions at the start of every run, and by
/// `catalog maintain-price-history`; either may run while the other does (a day rendered
/// twice is written twice, the same).
public enum PriceHistoryDays {
    /// How long after its end a day is rendered.
    static let settleMicroseconds: Int64 = 3_600_000_000
    /// Products rendered per statement: their hours are read at once (24 rows each at most).
    static let productsPerStatement = 1000

    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        /// Days rendered (every product of each).
        public var days = 0
        /// Product-days written.
        public var products = 0
        /// Rendered product-days deleted past the retention.
        public var expired = 0

        public init() {}
    }

    public static func maintain(_ db: PostgresConnection, retentionDays: Int, now: RFC3339Instant) throws(DatabaseError) -> Outcome {
        let day = PriceHistoryBucket.day.microseconds
        var outcome = Outcome()
        // Expired as the partitions are (`PriceHistoryPartitions.expiredSQL`): the whole day
        // older than the retention.
        let expiredBefore = RFC3339Instant(microseconds: now.microseconds - Int64(retentionDays + 1) * day)
        outcome.expired = try db.query("DELETE FROM offer_price_days WHERE day <= to_timestamp(\(expiredBefore)::float8)").affectedRows

        let firstKept = RFC3339Instant.floorDivide(now.microseconds - Int64(retentionDays) * day, day) * day
        let through = try db.query("SELECT (extract(epoch FROM through) * 1000000)::bigint FROM offer_price_days_rendered")
            .first?.decode(Int64?.self) ?? nil
        var start = max(through ?? firstKept, firstKept)
        while start + day + settleMicroseconds <= now.microseconds {
            let (from, until) = (RFC3339Instant(microseconds: start), RFC3339Instant(microseconds: start + day))
            outcome.products += try render(db, from: from, until: until)
            try db.query("UPDATE offer_price_days_rendered SET through = to_timestamp(\(until)::float8)")
            outcome.days += 1
            start += day
        }
        return outcome
    }

    /// Renders every product's points of the day [from, until); the number of products.
    static func render(_ db: PostgresConnection, from: RFC3339Instant, until: RFC3339Instant) throws(DatabaseError) -> Int {
        let limit = productsPerStatement * 24
        var after: Int64 = 0
        var written = 0
        while true {
            let hours = try db.query("""
                SELECT product_id, hour, min_price, price_avg::text, max_price, offers, changes
                FROM offer_price_hourly
                WHERE hour >= to_timestamp(\(from)::float8) AND hour < to_timestamp(\(until)::float8)
                  AND price_count > 0 AND product_id > \(after)
                ORDER BY product_id, hour
                LIMIT \(limit)
                """)
            let products = try hours.decode(Int64.self)
            guard !products.isEmpty else { return written }
            // A full batch may end in the middle of a product's hours: that product is
            // left for the next statement.
            var end = products.count
            if end == limit, let last = products.last {
                while end > 0, products[end - 1] == last { end -= 1 }
            }
            var ids: [Int64] = []
            var points: [String] = []
            var row = 0
            while row < end {
                var next = row + 1
                while next < end, products[next] == products[row] { next += 1 }
                var text: [UInt8] = []
                try PricePoint.writeObjects(of: hours, rows: row..<next, from: 1, into: &text)
                ids.append(products[row])
                points.append(String(decoding: text, as: UTF8.self))
                row = next
            }
            try db.query("""
                INSERT INTO offer_price_days AS d (product_id, day, points)
                SELECT r.product_id, to_timestamp(\(from)::float8), r.points
                FROM unnest(\(ids)::bigint[], \(points)::text[]) AS r (product_id, points)
                ON CONFLICT (product_id, day) DO UPDATE SET points = EXCLUDED.points
                """)
            written += ids.count
            guard products.count == limit else { return written }
            after = ids.last ?? after
        }
    }
}
