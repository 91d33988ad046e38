/// The SQL of the price history (`offer_price_events`, migrations/0009). Reads only:
/// the offer sync writes the history (`OfferSyncStore.replaceOffers`) and maintains its
/// partitions (`PriceHistoryPartitions`); the events' trigger keeps the hourly roll-ups and
/// each day's hour points (`offer_price_days`, migrations/0012).
///
/// Moments travel as seconds since the epoch (`RFC3339Instant.postgresText`). Reads of the
/// partitioned tables name a bounded range (`bound`), so PostgreSQL opens only the day
/// partitions inside it.
public enum PriceHistoryStore {
    /// The points of one product's history in the buckets the query's range overlaps, in
    /// time order, appended to `output` as a JSON array (`PricePoint`): one per bucket
    /// holding at least one recorded price (a bucket with only disappearances has none).
    /// False, with nothing appended, if there is no such product.
    ///
    /// One statement and one round trip: the points, and a row saying the product does not
    /// exist when it does not (`withProductCheck`). Minutes are aggregated from the events,
    /// days from the hourly roll-ups, and hours are read as the database keeps them
    /// (`hoursSQL`). PostgreSQL writes each point's JSON (`offer_price_point`).
    public static func writePoints(_ db: PostgresConnection, productID: Int64, query: PriceHistoryQuery,
                                   into output: inout [UInt8]) throws(DatabaseError) -> Bool {
        let (start, end, mode) = (query.bucketsStart, query.bucketsEnd, db.mode)
        let points: SQL = switch query.bucket {
        case _ where end <= start: "SELECT NULL::timestamptz, NULL::text WHERE false"
        case .minute: minutesSQL(productID: productID, from: start, until: end, mode: mode)
        case .hour: hoursSQL(productID: productID, from: start, until: end)
        case .day: daysSQL(productID: productID, from: start, until: end, mode: mode)
        }
        return try PricePoint.writeArray(of: db.query(withProductCheck(points, productID: productID)), into: &output)
    }

    /// The points (their bucket's start and JSON text, unordered), in time order, after a
    /// first row of NULLs if there is no such product (`PricePoint.writeArray` reads it so).
    static func withProductCheck(_ points: SQL, productID: Int64) -> SQL {
        """
        SELECT * FROM (\(points)) AS points
        UNION ALL
        SELECT NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM products WHERE id = \(productID))
        ORDER BY 1 NULLS FIRST
        """
    }

    /// A moment that bounds a scan of the day partitions, written so that PostgreSQL leaves
    /// the partitions outside the range unopened as early as the connection's statement
    /// mode lets it. An unnamed statement is planned for its values on every execution: the
    /// immutable `to_timestamp` lets the planner drop the other days from the plan. A
    /// prepared one is planned once for any values (PostgreSQL's generic plan): a stable
    /// text-to-`timestamptz` cast (of a text parameter: a parameter of type `timestamptz`
    /// would be a constant to the planner again) makes it prefer that plan, and the executor drops the other
    /// days when it starts. The other way round each costs: with immutable bounds PostgreSQL
    /// keeps planning a prepared statement afresh, over every partition (measured with
    /// pgbench on a month's read at `bucket=hour` from the roll-ups: 3,900-4,200 against
    /// 7,400-7,800 tps); with stable ones an unnamed statement plans every partition.
    static func bound(_ instant: RFC3339Instant, _ mode: StatementMode) -> SQL {
        switch mode {
        case .unnamed: "to_timestamp(\(instant)::float8)"
        case .prepared: "\(instant.description)::text::timestamptz"
        }
    }

    static func minutesSQL(productID: Int64, from start: RFC3339Instant, until end: RFC3339Instant, mode: StatementMode) -> SQL {
        """
        SELECT bucket, offer_price_point(bucket, min(price), round(avg(price), 2), max(price),
                                         count(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL), count(*))
        FROM (SELECT date_trunc('minute', at, 'UTC') AS bucket, price, offer_id FROM offer_price_events
              WHERE product_id = \(productID) AND at >= \(bound(start, mode)) AND at < \(bound(end, mode))) AS events
        GROUP BY bucket
        HAVING count(price) > 0
        """
    }

    /// The days of `offer_price_days` that the range overlaps: a day inside it as its
    /// `points`, the first and last sliced to the range's hours (`start` and `end` are
    /// whole hours). One index range of a table that is not partitioned, so the same cheap
    /// plan unnamed or prepared. A day whose slice holds no point reads as empty text,
    /// which `PricePoint.writeArray` skips.
    static func hoursSQL(productID: Int64, from start: RFC3339Instant, until end: RFC3339Instant) -> SQL {
        let hour = PriceHistoryBucket.hour.microseconds / 1_000_000
        let (first, last) = (start.microseconds / 1_000_000, end.microseconds / 1_000_000)
        return """
        SELECT day, CASE WHEN day >= to_timestamp(\(first)::float8) AND day <= to_timestamp(\(last - 24 * hour)::float8) THEN points
                         ELSE array_to_string(hours[greatest(1, (\(first)::bigint - extract(epoch FROM day)::bigint) / \(hour) + 1)
                                                  : least(24, (\(last)::bigint - extract(epoch FROM day)::bigint) / \(hour))], ',') END
        FROM offer_price_days
        WHERE product_id = \(productID) AND day > to_timestamp(\(first - 24 * hour)::float8) AND day < to_timestamp(\(last)::float8)
        """
    }

    /// A day from its hours' roll-ups: the mean is the sum over the count of recorded
    /// prices (the plain mean, not a mean of means); distinct offers are counted over the
    /// union of the hours' offer sets. A day whose hours recorded no price has no offers
    /// and drops out of the join.
    static func daysSQL(productID: Int64, from start: RFC3339Instant, until end: RFC3339Instant, mode: StatementMode) -> SQL {
        """
        WITH hours AS (
            SELECT date_trunc('day', hour, 'UTC') AS bucket, min_price, max_price, price_sum, price_count, changes, offer_ids
            FROM offer_price_hourly
            WHERE product_id = \(productID) AND hour >= \(bound(start, mode)) AND hour < \(bound(end, mode))
        ), figures AS (
            SELECT bucket, min(min_price) AS low, round(sum(price_sum) / nullif(sum(price_count), 0), 2) AS mean,
                   max(max_price) AS high, sum(changes) AS changes
            FROM hours GROUP BY bucket
        ), offers AS (
            SELECT bucket, count(DISTINCT o) AS offers FROM hours, unnest(offer_ids) AS o GROUP BY bucket
        )
        SELECT f.bucket, offer_price_point(f.bucket, f.low, f.mean, f.high, o.offers, f.changes)
        FROM figures f JOIN offers o USING (bucket)
        """
    }

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
        typealias Figures = (exists: Bool, fromAverage: String?, toAverage: String?, changePercent: String?, sign: String?, startFound: Bool)
        let figuresTypes = (Bool, String?, String?, String?, String?, Bool).self
        guard let first = try db.query(trendSQL(productID: productID, start: from, earlierOffers: nil, earlierPriceSum: nil)).first
        else { return nil }
        var figures: Figures = try first.decode(figuresTypes)
        guard figures.exists else { return nil }
        if !figures.startFound, let earlier = try db.query(inForceEarlierSQL(productID: productID, start: from)).first {
            let (offers, priceSum) = try earlier.decode((Int64, String).self)
            guard let again = try db.query(trendSQL(productID: productID, start: from, earlierOffers: offers, earlierPriceSum: priceSum)).first
            else { return nil }
            figures = try again.decode(figuresTypes)
        }
        let direction: PriceTrend.Direction? = switch figures.sign {
        case "1": .up
        case "-1": .down
        case "0": .flat
        default: nil
        }
        return PriceTrend(productID: productID, period: period, from: from, to: now, fromAverage: figures.fromAverage,
                          toAverage: figures.toAverage, changePercent: figures.changePercent, direction: direction)
    }

    /// The offers in force at `start` before the day that precedes it: PostgreSQL reads
    /// the day partitions newest first and stops at the first with an event of the product.
    static func inForceEarlierSQL(productID: Int64, start: RFC3339Instant) -> SQL {
        """
        SELECT in_force_offers, in_force_price_sum::text FROM offer_price_events
        WHERE product_id = \(productID) AND at <= to_timestamp(\(start)::float8 - 86400)
        ORDER BY at DESC LIMIT 1
        """
    }

    /// The two means and the change. The start's offers in force: after the product's
    /// latest event in the day up to `start`, else `earlierOffers`/`earlierPriceSum`
    /// (count and price sum found by `inForceEarlierSQL`; nil when not looked for or none).
    /// `direction` is the sign of the rounded percentage, or of the difference when the
    /// start's mean is 0. The last column says whether a start was found.
    static func trendSQL(productID: Int64, start: RFC3339Instant, earlierOffers: Int64?, earlierPriceSum: String?) -> SQL {
        """
        WITH start AS MATERIALIZED (
            (SELECT in_force_offers, in_force_price_sum FROM offer_price_events
             WHERE product_id = \(productID) AND at > to_timestamp(\(start)::float8 - 86400) AND at <= to_timestamp(\(start)::float8)
             ORDER BY at DESC LIMIT 1)
            UNION ALL
            SELECT \(earlierOffers)::integer, \(earlierPriceSum)::numeric WHERE \(earlierOffers)::integer IS NOT NULL
            LIMIT 1
        ), means AS MATERIALIZED (
            SELECT (SELECT in_force_price_sum / nullif(in_force_offers, 0) FROM start) AS f,
                   (SELECT sum(price) / nullif(count(*), 0) FROM offers WHERE product_id = \(productID)) AS t
        )
        SELECT EXISTS (SELECT 1 FROM products WHERE id = \(productID)), round(f, 2)::text, round(t, 2)::text, percent::text,
               sign(coalesce(percent, t - f))::int::text, EXISTS (SELECT 1 FROM start)
        FROM means, LATERAL (SELECT round((t - f) / nullif(f, 0) * 100, 2) AS percent) AS change
        """
    }
}
