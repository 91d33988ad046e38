/// The SQL of the price history (`offer_price_events`, migrations/0009). Reads only:
/// the offer sync writes the history (`OfferSyncStore.replaceOffers`) and maintains its
/// partitions (`PriceHistoryPartitions`).
///
/// Moments travel as seconds since the epoch (`RFC3339Instant.postgresText`) and become
/// `timestamptz` through the immutable `to_timestamp`, so every read names a bounded
/// range and PostgreSQL plans and opens only the day partitions inside it.
public enum PriceHistoryStore {
    public static func productExists(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("SELECT EXISTS (SELECT 1 FROM products WHERE id = $1)", [id]).first?.bool(0) ?? false
    }

    /// The points of one product's history in the buckets the query's range overlaps, in
    /// time order, appended to `output` as a JSON array (`PricePoint`): one per bucket
    /// holding at least one recorded price (a bucket with only disappearances has none).
    /// Minutes are aggregated from the events; hours and days from the hourly roll-ups
    /// (`offer_price_hourly`), a 60th of the rows or fewer.
    public static func writePoints(_ db: PostgresConnection, productID: Int64, query: PriceHistoryQuery,
                                   into output: inout [UInt8]) throws(DatabaseError) {
        guard query.bucketsEnd > query.bucketsStart else { return output.append(contentsOf: "[]".utf8) }
        let sql = switch query.bucket {
        case .minute: minutesSQL
        case .hour: hoursSQL
        case .day: daysSQL
        }
        try PricePoint.writeArray(of: db.query(sql, [productID, query.bucketsStart, query.bucketsEnd]), into: &output)
    }

    static let minutesSQL = """
        SELECT date_trunc('minute', at, 'UTC') AS bucket, min(price), round(avg(price), 2)::text, max(price),
               count(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL), count(*)
        FROM offer_price_events
        WHERE product_id = $1
          AND at >= to_timestamp($2::float8)
          AND at < to_timestamp($3::float8)
        GROUP BY bucket
        HAVING count(price) > 0
        ORDER BY bucket
        """

    /// An hour is one roll-up row, its mean and offer count kept by the roll-up trigger.
    static let hoursSQL = """
        SELECT hour, min_price, price_avg::text, max_price, offers, changes
        FROM offer_price_hourly
        WHERE product_id = $1
          AND hour >= to_timestamp($2::float8)
          AND hour < to_timestamp($3::float8)
          AND price_count > 0
        ORDER BY hour
        """

    /// A day from its hours' roll-ups: the mean is the sum over the count of recorded
    /// prices (the plain mean, not a mean of means); distinct offers are counted over the
    /// union of the hours' offer sets. A day whose hours recorded no price has no offers
    /// and drops out of the join.
    static let daysSQL = """
        WITH hours AS (
            SELECT date_trunc('day', hour, 'UTC') AS bucket, min_price, max_price, price_sum, price_count, changes, offer_ids
            FROM offer_price_hourly
            WHERE product_id = $1
              AND hour >= to_timestamp($2::float8)
              AND hour < to_timestamp($3::float8)
        ), figures AS (
            SELECT bucket, min(min_price) AS low, round(sum(price_sum) / nullif(sum(price_count), 0), 2) AS mean,
                   max(max_price) AS high, sum(changes) AS changes
            FROM hours GROUP BY bucket
        ), offers AS (
            SELECT bucket, count(DISTINCT o) AS offers FROM hours, unnest(offer_ids) AS o GROUP BY bucket
        )
        SELECT f.bucket, f.low, f.mean::text, f.high, o.offers, f.changes
        FROM figures f JOIN offers o USING (bucket)
        ORDER BY f.bucket
        """

    /// The trend over `period` until `now` (see `PriceTrend` for the rules); nil if there
    /// is no such product.
    ///
    /// The start's offers in force are those after the product's latest event at or before
    /// it: `trendSQL` looks for it in the day before the start (one or two partitions
    /// planned and opened) and answers in one round trip; only when that day has no event
    /// of the product is everything older searched (`inForceEarlierSQL`, which plans every
    /// partition) and its result given to `trendSQL` again. The end's offers are the
    /// product's offers now, which the sync writes in the statement that records their events.
    public static func trend(_ db: PostgresConnection, productID: Int64, period: PricePeriod,
                             now: RFC3339Instant) throws(DatabaseError) -> PriceTrend? {
        let from = RFC3339Instant(microseconds: now.microseconds - period.microseconds)
        guard var row = try db.query(trendSQL, [productID, from, Int64?.none, String?.none]).first, try row.bool(0) else { return nil }
        if try !row.bool(5), let earlier = try db.query(inForceEarlierSQL, [productID, from]).first {
            guard let again = try db.query(trendSQL, [productID, from, try earlier.int64(0), try earlier.string(1)]).first else { return nil }
            row = again
        }
        let direction: PriceTrend.Direction? = switch row.optionalString(4) {
        case "1": .up
        case "-1": .down
        case "0": .flat
        default: nil
        }
        return PriceTrend(productID: productID, period: period, from: from, to: now, fromAverage: row.optionalString(1),
                          toAverage: row.optionalString(2), changePercent: row.optionalString(3), direction: direction)
    }

    /// The offers in force at the start `$2` before the day that precedes it: PostgreSQL
    /// reads the day partitions newest first and stops at the first with an event of the product.
    static let inForceEarlierSQL = """
        SELECT in_force_offers, in_force_price_sum::text FROM offer_price_events
        WHERE product_id = $1 AND at <= to_timestamp($2::float8 - 86400)
        ORDER BY at DESC LIMIT 1
        """

    /// The two means and the change. The start's offers in force: after the product's
    /// latest event in the day up to `$2`, else `$3`/`$4` (count and price sum found
    /// earlier by `inForceEarlierSQL`; null when not looked for or none). `direction` is
    /// the sign of the rounded percentage, or of the difference when the start's mean is 0.
    /// The last column says whether a start was found.
    static let trendSQL = """
        WITH start AS MATERIALIZED (
            (SELECT in_force_offers, in_force_price_sum FROM offer_price_events
             WHERE product_id = $1 AND at > to_timestamp($2::float8 - 86400) AND at <= to_timestamp($2::float8)
             ORDER BY at DESC LIMIT 1)
            UNION ALL
            SELECT $3::integer, $4::numeric WHERE $3::integer IS NOT NULL
            LIMIT 1
        ), means AS MATERIALIZED (
            SELECT (SELECT in_force_price_sum / nullif(in_force_offers, 0) FROM start) AS f,
                   (SELECT sum(price) / nullif(count(*), 0) FROM offers WHERE product_id = $1) AS t
        )
        SELECT EXISTS (SELECT 1 FROM products WHERE id = $1), round(f, 2)::text, round(t, 2)::text, percent::text,
               sign(coalesce(percent, t - f))::int::text, EXISTS (SELECT 1 FROM start)
        FROM means, LATERAL (SELECT round((t - f) / nullif(f, 0) * 100, 2) AS percent) AS change
        """
}
