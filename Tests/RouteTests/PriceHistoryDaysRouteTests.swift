import Core
import Foundation
import Testing
import TestSupport

/// The hour points the database keeps per product and day (`offer_price_days`, the events'
/// trigger, migrations/0012) and `bucket=hour` reads of them, on a database of its own:
/// the retention check deletes every product's old days.
@Suite(.serialized) struct PriceHistoryDaysRouteTests {
    static let app = RouteApp(suite: "pricehistorydays")
    typealias Event = PriceHistoryRouteTests.Event

    /// The same database through a connection that prepares its statements (`make bench`'s
    /// and a direct connection's setting).
    static let prepared = RouteApp(sharing: app, statements: .prepared)

    static func history(_ id: Int64, _ query: String, from app: RouteApp = Self.app) throws -> String {
        let response = app.get("/products/\(id)/price-history?\(query)")
        try #require(response.status == 200, "\(query): \(response.status) \(response.text)")
        return response.text
    }

    /// Every read of `ids` and `queries`, unnamed and prepared (three times: a prepared
    /// statement is planned for its values five times before PostgreSQL may switch to its
    /// generic plan), checked equal.
    static func reads(_ ids: [Int64], _ queries: [String]) throws -> [[String]] {
        let unnamed = try ids.map { id in try queries.map { try history(id, $0) } }
        for _ in 0..<3 {
            let prepared = try ids.map { id in try queries.map { try history(id, $0, from: Self.prepared) } }
            #expect(prepared == unnamed, "prepared statements read what unnamed ones do")
        }
        return unnamed
    }

    /// The points of `id`'s hourly roll-ups in the read's buckets, formed here from the
    /// roll-ups' values (not by `offer_price_point`): what a `bucket=hour` read must say.
    static func rollUps(_ id: Int64, _ query: String) throws -> [PriceHistoryPoint] {
        let items = URLComponents(string: "/?\(query)")?.queryItems ?? []
        let from = items.first { $0.name == "from" }?.value.flatMap(RFC3339Instant.init)
        let to = items.first { $0.name == "to" }?.value.flatMap(RFC3339Instant.init) ?? .now
        let start = from ?? RFC3339Instant(microseconds: to.microseconds - PriceHistoryBucket.day.microseconds)
        let rows = try app.database().query("""
            SELECT (extract(epoch FROM hour) * 1000000)::bigint, min_price::text, price_avg::text, max_price::text, offers::text, changes::text
            FROM offer_price_hourly
            WHERE product_id = \(id) AND price_count > 0
              AND hour >= date_trunc('hour', to_timestamp(\(start)::float8), 'UTC') AND hour < to_timestamp(\(to)::float8)
            ORDER BY hour
            """).decode((Int64, String, String, String, String, String).self)
        return rows.map { at, min, avg, max, offers, changes in
            PriceHistoryPoint(at: RFC3339Instant(microseconds: at).description, min: min, avg: avg, max: max, offers: offers, changes: changes)
        }
    }

    /// A read's points, each number as its literal text (`10.50`).
    static func points(_ body: String) throws -> [PriceHistoryPoint] {
        guard case .object(let answer) = try JSONParser.parse(Array(body.utf8)) else { return [] }
        return PriceHistoryPoint.points(answer["points"])
    }

    @Test func hourReadsAreTheRollUpsAsTheDatabaseKeepsThem() throws {
        // Two products with events over the last four days at assorted minutes (one hour
        // with only a disappearance: no point), one without.
        let minutes = [5600, 5000, 4321, 4320, 3333, 2900, 2000, 1500, 1441, 700, 100, 30]
        let first = try PriceHistoryRouteTests.product("days-a", minutes.enumerated().map { index, ago in
            Event(offer: index % 3, minutesAgo: ago, price: index == 6 ? nil : 1000 + index * 37)
        }, in: Self.app)
        let second = try PriceHistoryRouteTests.product("days-b", minutes.map { Event(offer: 9, minutesAgo: $0 + 7, price: 2000 + $0 % 101) },
                                                        in: Self.app)
        let none = try PriceHistoryRouteTests.product("days-none", [], in: Self.app)
        let ago = PriceHistoryRouteTests.ago
        // Whole days and parts of days, a range inside one past day, the default (last 24 h).
        let queries = ["bucket=hour&from=\(ago(6 * 1440))", "bucket=hour&from=\(ago(4400))&to=\(ago(1234))",
                       "bucket=hour&from=\(ago(3000))&to=\(ago(2800))", "bucket=hour"]
        let ids = [first, second, none]
        let reads = try Self.reads(ids, queries)
        for (product, id) in ids.enumerated() {
            for (index, query) in queries.enumerated() {
                #expect(try Self.points(reads[product][index]) == Self.rollUps(id, query), "product \(id), \(query)")
            }
        }
        #expect(try Self.points(reads[0][0]).count >= 10, "the history has points: \(reads[0][0])")
        #expect(reads[2].allSatisfy { $0.hasSuffix(#""points":[]}"#) }, "no history, no points: \(reads[2])")

        let db = try Self.app.database()
        let days = try db.query("SELECT product_id, count(*) FROM offer_price_days GROUP BY 1 ORDER BY 1").decode((Int64, Int64).self)
        #expect(days.map(\.0) == [first, second] && days.allSatisfy { $0.1 >= 4 }, "a row per product and day with events: \(days)")

        // The reads take a whole day from its row's `points`, and part of a day from its
        // `hours`, not from the roll-ups.
        let (day, slot) = try #require(try db.query("""
            SELECT (extract(epoch FROM day) * 1000000)::bigint, (SELECT min(n) FROM generate_subscripts(hours, 1) AS n WHERE hours[n] IS NOT NULL)
            FROM offer_price_days WHERE product_id = \(first) ORDER BY day LIMIT 1
            """).first?.decode((Int64, Int).self))
        let whole = #"{"at":"whole","min":1,"avg":1.00,"max":1,"offers":1,"changes":1}"#
        let part = #"{"at":"part","min":1,"avg":1.00,"max":1,"offers":1,"changes":1}"#
        try db.query("""
            UPDATE offer_price_days SET points = \(whole), hours[\(slot)] = \(part)
            WHERE product_id = \(first) AND day = to_timestamp(\(day)::float8 / 1000000)
            """)
        let hourStart = RFC3339Instant(microseconds: day + Int64(slot - 1) * PriceHistoryBucket.hour.microseconds)
        let hourEnd = RFC3339Instant(microseconds: hourStart.microseconds + PriceHistoryBucket.hour.microseconds)
        let wholeRead = try Self.history(first, queries[0])
        #expect(wholeRead.contains(whole) && !wholeRead.contains(part), "a whole day is its row's points: \(wholeRead)")
        let partRead = try Self.history(first, "bucket=hour&from=\(hourStart.description)&to=\(hourEnd.description)")
        #expect(partRead.contains(part) && !partRead.contains(whole), "part of a day is sliced from its hours: \(partRead)")

        // A later event rewrites its day's row in the statement that records it.
        try db.query("""
            INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock, in_force_offers, in_force_price_sum)
            VALUES (\(first), now(), gen_random_uuid(), 'appeared', 5, 1, 1, 5),
                   (\(first), now() - interval '5600 minutes', gen_random_uuid(), 'appeared', 7, 1, 1, 7)
            """)
        let after = try Self.history(first, queries[0])
        #expect(try Self.points(after) == Self.rollUps(first, queries[0]), "read again after more events: \(after)")
        #expect(after.contains(#""min":5,"#) && after.contains(#""min":7,"#) && !after.contains(whole) && !after.contains(part), "\(after)")
    }

    @Test func daysPastTheRetentionAreDeletedWithTheirPartitions() throws {
        let id = try PriceHistoryRouteTests.product("days-old", [Event(offer: 1, minutesAgo: 3 * 1440, price: 10),
                                                                 Event(offer: 1, minutesAgo: 10, price: 11)], in: Self.app)
        let db = try Self.app.database()
        let outcome = try PriceHistoryPartitions.maintain(db, retentionDays: 1)
        #expect(outcome.expiredDays >= 1, "\(outcome)")
        let oldest = try db.query("SELECT bool_and(day > now() - interval '3 days') FROM offer_price_days").first?.decode(Bool?.self)
        #expect(oldest == true, "no day older than the retention's")
        #expect(try Self.points(Self.history(id, "bucket=hour")).count == 1, "today's hour is still read")
    }
}
