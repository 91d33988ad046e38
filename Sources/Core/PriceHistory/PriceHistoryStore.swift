/// The SQL of the price history (`offer_price_events`, migrations/0009). Reads only:
/// the offer sync writes the history (`OfferSyncStore.replaceOffers`) and maintains its
/// partitions (`PriceHistoryPartitions`).
///
/// Moments travel as microseconds since the epoch and become `timestamptz` in SQL by
/// integer arithmetic, so nothing is lost between the request's RFC 3339 text and the
/// comparison; PostgreSQL prunes the partitions outside the range when the statement runs.
public enum PriceHistoryStore {
    public static func productExists(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("SELECT EXISTS (SELECT 1 FROM products WHERE id = $1)", [id]).first?.bool(0) ?? false
    }

    /// The points of one product's history in the buckets the query's range overlaps, in
    /// time order: one per bucket holding at least one recorded price (a bucket with only
    /// disappearances has none). Minutes are aggregated from the events; hours and days
    /// from the hourly roll-ups (`offer_price_hourly`), a 60th of the rows or fewer.
    public static func points(_ db: PostgresConnection, productID: Int64, query: PriceHistoryQuery) throws(DatabaseError) -> [PricePoint] {
        guard query.bucketsEnd > query.bucketsStart else { return [] }
        let sql = switch query.bucket {
        case .minute: minutesSQL
        case .hour: hoursSQL
        case .day: daysSQL
        }
        return try db.query(sql, [productID, query.bucketsStart, query.bucketsEnd]).decode(PricePoint.self)
    }

    static let minutesSQL = """
        SELECT date_trunc('minute', at, 'UTC') AS bucket, min(price), round(avg(price), 2)::text, max(price),
               count(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL), count(*)
        FROM offer_price_events
        WHERE product_id = $1
          AND at >= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
          AND at < timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
        GROUP BY bucket
        HAVING count(price) > 0
        ORDER BY bucket
        """

    /// An hour is one roll-up row: the mean is the sum over the count of recorded prices.
    static let hoursSQL = """
        SELECT hour, min_price, round(price_sum / price_count, 2)::text, max_price, cardinality(offer_ids), changes
        FROM offer_price_hourly
        WHERE product_id = $1
          AND hour >= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
          AND hour < timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
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
              AND hour >= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
              AND hour < timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
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

    /// The trend between two moments (see `PriceTrend` for the rules); nil if there is no
    /// such product.
    public static func trend(_ db: PostgresConnection, productID: Int64, period: PricePeriod,
                             now: RFC3339Instant) throws(DatabaseError) -> PriceTrend? {
        let from = RFC3339Instant(microseconds: now.microseconds - period.microseconds)
        guard let row = try db.query(trendSQL, [productID, from, now]).first, try row.bool(0) else { return nil }
        let direction: PriceTrend.Direction? = switch row.optionalString(4) {
        case "1": .up
        case "-1": .down
        case "0": .flat
        default: nil
        }
        return PriceTrend(productID: productID, period: period, from: from, to: now, fromAverage: row.optionalString(1),
                          toAverage: row.optionalString(2), changePercent: row.optionalString(3), direction: direction)
    }

    /// Each end's mean is that of the offers in force after the product's latest event at
    /// or before the moment (`in_force_offers`, `in_force_price_sum`, written with every
    /// event): one backward step of the primary key, and PostgreSQL scans the day
    /// partitions newest first and stops at the first that has one. `direction` is the
    /// sign of the rounded percentage, or of the difference when the start's mean is 0.
    static let trendSQL = """
        WITH means AS (
            SELECT
                (SELECT in_force_price_sum / nullif(in_force_offers, 0) FROM offer_price_events
                 WHERE product_id = $1 AND at <= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
                 ORDER BY at DESC LIMIT 1) AS f,
                (SELECT in_force_price_sum / nullif(in_force_offers, 0) FROM offer_price_events
                 WHERE product_id = $1 AND at <= timestamptz 'epoch' + $3::bigint * interval '1 microsecond'
                 ORDER BY at DESC LIMIT 1) AS t
        ), change AS (
            SELECT f, t, round((t - f) / nullif(f, 0) * 100, 2) AS percent FROM means
        )
        SELECT EXISTS (SELECT 1 FROM products WHERE id = $1), round(f, 2)::text, round(t, 2)::text, percent::text,
               sign(coalesce(percent, t - f))::int::text
        FROM change
        """
}
