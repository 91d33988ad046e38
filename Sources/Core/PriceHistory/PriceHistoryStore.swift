/// The SQL of the price history (`offer_price_events`, migrations/0009). Reads only:
/// the offer sync writes the history (`OfferSyncStore.replaceOffers`) and maintains its
/// partitions (`PriceHistoryPartitions`).
///
/// Moments travel as seconds since the epoch (`RFC3339Instant.postgresText`) and become
/// `timestamptz` through the immutable `to_timestamp`, so every read names a bounded
/// range and PostgreSQL plans and opens only the day partitions inside it.
public enum PriceHistoryStore {
    public static func productExists(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("SELECT EXISTS (SELECT 1 FROM products WHERE id = \(id))").first?.decode(Bool.self) ?? false
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
    /// it: looked for in the day before the start first (one or two partitions opened), and
    /// only without one there in everything older. The end's are the product's offers now,
    /// which the sync writes in the statement that records their events.
    public static func trend(_ db: PostgresConnection, productID: Int64, period: PricePeriod,
                             now: RFC3339Instant) throws(DatabaseError) -> PriceTrend? {
        let from = RFC3339Instant(microseconds: now.microseconds - period.microseconds)
        var start = try db.query(inForceRecentlySQL(productID: productID, at: from)).first
        if start == nil { start = try db.query(inForceEarlierSQL(productID: productID, at: from)).first }
        let inForce = try start?.decode((Int64, String).self)
        guard let row = try db.query(trendSQL(productID: productID, startOffers: inForce?.0, startPriceSum: inForce?.1)).first
        else { return nil }
        let (exists, fromAverage, toAverage, changePercent, sign) = try row.decode((Bool, String?, String?, String?, String?).self)
        guard exists else { return nil }
        let direction: PriceTrend.Direction? = switch sign {
        case "1": .up
        case "-1": .down
        case "0": .flat
        default: nil
        }
        return PriceTrend(productID: productID, period: period, from: from, to: now, fromAverage: fromAverage,
                          toAverage: toAverage, changePercent: changePercent, direction: direction)
    }

    /// The offers in force after the product's latest event in the day up to a moment.
    static func inForceRecentlySQL(productID: Int64, at moment: RFC3339Instant) -> SQL {
        """
        SELECT in_force_offers, in_force_price_sum::text FROM offer_price_events
        WHERE product_id = \(productID) AND at > to_timestamp(\(moment)::float8 - 86400) AND at <= to_timestamp(\(moment)::float8)
        ORDER BY at DESC LIMIT 1
        """
    }

    /// The same before that day: PostgreSQL reads the day partitions newest first and stops
    /// at the first with an event of the product.
    static func inForceEarlierSQL(productID: Int64, at moment: RFC3339Instant) -> SQL {
        """
        SELECT in_force_offers, in_force_price_sum::text FROM offer_price_events
        WHERE product_id = \(productID) AND at <= to_timestamp(\(moment)::float8 - 86400)
        ORDER BY at DESC LIMIT 1
        """
    }

    /// The two means and the change: `startOffers`/`startPriceSum` are the start's offers
    /// in force (count and price sum; null without an event then). `direction` is the sign
    /// of the rounded percentage, or of the difference when the start's mean is 0.
    static func trendSQL(productID: Int64, startOffers: Int64?, startPriceSum: String?) -> SQL {
        """
        WITH means AS (
            SELECT \(startPriceSum)::numeric / nullif(\(startOffers)::integer, 0) AS f,
                   (SELECT sum(price) / nullif(count(*), 0) FROM offers WHERE product_id = \(productID)) AS t
        ), change AS (
            SELECT f, t, round((t - f) / nullif(f, 0) * 100, 2) AS percent FROM means
        )
        SELECT EXISTS (SELECT 1 FROM products WHERE id = \(productID)), round(f, 2)::text, round(t, 2)::text, percent::text,
               sign(coalesce(percent, t - f))::int::text
        FROM change
        """
    }
}
