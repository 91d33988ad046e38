/// The SQL of the price history (`offer_price_events`, migrations/0009). Reads only:
/// the offer sync writes the history (`OfferSyncStore.replaceOffers`) and maintains its
/// partitions (`PriceHistoryPartitions`) and rendered days (`PriceHistoryDays`).
///
/// Moments travel as seconds since the epoch (`RFC3339Instant.postgresText`) and become
/// `timestamptz` through the immutable `to_timestamp`, so every read names a bounded
/// range and PostgreSQL plans and opens only the day partitions inside it.
public enum PriceHistoryStore {
    /// The points of one product's history in the buckets the query's range overlaps, in
    /// time order, appended to `output` as a JSON array (`PricePoint`): one per bucket
    /// holding at least one recorded price (a bucket with only disappearances has none).
    /// False, with nothing appended, if there is no such product.
    ///
    /// One statement and one round trip: the points, and a row saying the product does not
    /// exist when it does not (`withProductCheck`). Minutes are aggregated from the events;
    /// hours from the hourly roll-ups (`offer_price_hourly`) and closed days already
    /// rendered (`PriceHistoryDays`); days from the roll-ups.
    public static func writePoints(_ db: PostgresConnection, productID: Int64, query: PriceHistoryQuery,
                                   into output: inout [UInt8]) throws(DatabaseError) -> Bool {
        let (start, end, mode) = (query.bucketsStart, query.bucketsEnd, db.mode)
        var renderedDays = true
        while true {
            let points: SQL = switch query.bucket {
            case _ where end <= start: "SELECT NULL::timestamptz, 0, '0'::text, 0, 0, 0, NULL::text WHERE false"
            case .minute: minutesSQL(productID: productID, from: start, until: end, mode: mode)
            case .hour: hoursSQL(productID: productID, from: start, until: end, mode: mode, renderedDays: renderedDays)
            case .day: daysSQL(productID: productID, from: start, until: end, mode: mode)
            }
            switch try PricePoint.writeArray(of: db.query(withProductCheck(points, productID: productID)), into: &output) {
            case .written: return true
            case .noSuchProduct: return false
            case .renderedDaysBehind where renderedDays: renderedDays = false
            case .renderedDaysBehind: throw .decoding("a price-history read without rendered days reported them behind")
            }
        }
    }

    /// The points (unordered), in time order, after a first row of NULLs if there is no
    /// such product (`PricePoint.writeArray` reads it so).
    static func withProductCheck(_ points: SQL, productID: Int64) -> SQL {
        """
        SELECT * FROM (\(points)) AS points
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM products WHERE id = \(productID))
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
    /// pgbench on a month's read at `bucket=hour`: 3,900-4,200 against 7,400-7,800 tps);
    /// with stable ones an unnamed statement plans every partition.
    static func bound(_ instant: RFC3339Instant, _ mode: StatementMode) -> SQL {
        switch mode {
        case .unnamed: "to_timestamp(\(instant)::float8)"
        case .prepared: "\(instant.description)::text::timestamptz"
        }
    }

    static func minutesSQL(productID: Int64, from start: RFC3339Instant, until end: RFC3339Instant, mode: StatementMode) -> SQL {
        """
        SELECT date_trunc('minute', at, 'UTC') AS bucket, min(price), round(avg(price), 2)::text, max(price),
               count(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL), count(*), NULL::text
        FROM offer_price_events
        WHERE product_id = \(productID) AND at >= \(bound(start, mode)) AND at < \(bound(end, mode))
        GROUP BY bucket
        HAVING count(price) > 0
        """
    }

    /// An hour is one roll-up row, its mean and offer count kept by the roll-up trigger;
    /// whole days of the range that `PriceHistoryDays` has rendered are one row each, their
    /// hours' points as text.
    ///
    /// The range's whole days are [`low`, `lastMidnight`); rendered days are read from `low`
    /// up to `high`, the last midnight or `offer_price_days_rendered.through` if earlier.
    /// Hours before `low` come from the roll-ups, and those from `high` on, found from
    /// `recent`, the midnight before the last: the job keeps `through` at most a day behind
    /// the last midnight, and bounds known before the statement runs let the executor skip
    /// the other days' partitions (`bound`). If the rendered days are further behind
    /// (the job has not run for a day), the last row says so and the caller reads again
    /// without them (`renderedDays: false`: every hour from the roll-ups).
    static func hoursSQL(productID: Int64, from start: RFC3339Instant, until end: RFC3339Instant, mode: StatementMode,
                         renderedDays: Bool) -> SQL {
        let day = PriceHistoryBucket.day.microseconds
        let low = RFC3339Instant(microseconds: min(end.microseconds, (RFC3339Instant.floorDivide(start.microseconds - 1, day) + 1) * day))
        let lastMidnight = renderedDays
            ? RFC3339Instant(microseconds: max(low.microseconds, RFC3339Instant.floorDivide(end.microseconds, day) * day)) : low
        let recent = RFC3339Instant(microseconds: max(low.microseconds, lastMidnight.microseconds - day))
        return """
        WITH rendered AS MATERIALIZED (
            SELECT greatest(\(bound(low, mode)),
                            least(\(bound(lastMidnight, mode)),
                                  coalesce((SELECT through FROM offer_price_days_rendered), '-infinity'))) AS high
        )
        SELECT hour, min_price, price_avg::text, max_price, offers, changes, NULL::text
        FROM offer_price_hourly
        WHERE product_id = \(productID) AND hour >= \(bound(start, mode)) AND hour < \(bound(low, mode)) AND price_count > 0
        UNION ALL
        SELECT day, NULL, NULL, NULL, NULL, NULL, points
        FROM offer_price_days
        WHERE product_id = \(productID) AND day >= \(bound(low, mode)) AND day < (SELECT high FROM rendered)
        UNION ALL
        SELECT hour, min_price, price_avg::text, max_price, offers, changes, NULL::text
        FROM offer_price_hourly
        WHERE product_id = \(productID) AND hour >= \(bound(recent, mode)) AND hour < \(bound(end, mode))
          AND hour >= (SELECT high FROM rendered) AND price_count > 0
        UNION ALL
        SELECT '-infinity', NULL, NULL, NULL, NULL, NULL, NULL WHERE (SELECT high FROM rendered) < \(bound(recent, mode))
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
        SELECT f.bucket, f.low, f.mean::text, f.high, o.offers, f.changes, NULL::text
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
