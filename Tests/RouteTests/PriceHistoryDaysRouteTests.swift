import Core
import Foundation
import Testing
import TestSupport

/// Closed days rendered once (`PriceHistoryDays`) and read in place of their roll-ups, on a
/// database of its own: rendering moves `offer_price_days_rendered.through` for every
/// product of the database, so no other suite's histories may be written into it.
@Suite(.serialized) struct PriceHistoryDaysRouteTests {
    static let app = RouteApp(suite: "pricehistorydays")
    typealias Event = PriceHistoryRouteTests.Event

    /// The same database through a connection that prepares its statements (`make bench`'s
    /// and a direct connection's setting), whose SQL bounds the partitions differently.
    static let prepared = RouteApp(sharing: app, statements: .prepared)

    static func history(_ id: Int64, _ query: String, from app: RouteApp = Self.app) throws -> String {
        let response = app.get("/products/\(id)/price-history?\(query)")
        try #require(response.status == 200, "\(query): \(response.status) \(response.text)")
        return response.text
    }

    /// Every read of `ids` and `queries`, unnamed and prepared (each three times: a
    /// prepared statement is planned for its values five times before PostgreSQL may switch
    /// to its generic plan), checked equal to `expected` when given.
    static func reads(_ ids: [Int64], _ queries: [String], expected: [[String]]? = nil) throws -> [[String]] {
        let unnamed = try ids.map { id in try queries.map { try history(id, $0) } }
        for _ in 0..<3 {
            let prepared = try ids.map { id in try queries.map { try history(id, $0, from: Self.prepared) } }
            #expect(prepared == unnamed, "prepared statements read what unnamed ones do")
        }
        if let expected {
            for (product, reads) in unnamed.enumerated() {
                for (index, query) in queries.enumerated() {
                    #expect(reads[index] == expected[product][index], "product \(ids[product]), \(query)")
                }
            }
        }
        return unnamed
    }

    @Test func renderedDaysReadExactlyAsTheirRollUpsAndAreUsed() throws {
        // Two products with events over the last four days at assorted minutes, one without.
        let minutes = [5600, 5000, 4321, 4320, 3333, 2900, 2000, 1500, 1441, 700, 100, 30]
        let first = try PriceHistoryRouteTests.product("days-a", minutes.enumerated().map { index, ago in
            Event(offer: index % 3, minutesAgo: ago, price: index == 6 ? nil : 1000 + index * 37)
        }, in: Self.app)
        let second = try PriceHistoryRouteTests.product("days-b", minutes.map { Event(offer: 9, minutesAgo: $0 + 7, price: 2000 + $0 % 101) },
                                                        in: Self.app)
        let none = try PriceHistoryRouteTests.product("days-none", [], in: Self.app)
        let ago = PriceHistoryRouteTests.ago
        // Whole days and parts of days, a range inside one past day, the default (last 24 h),
        // and the same at `bucket=day` (never rendered: read from the roll-ups either way).
        let queries = ["bucket=hour&from=\(ago(6 * 1440))", "bucket=hour&from=\(ago(4400))&to=\(ago(1234))",
                       "bucket=hour&from=\(ago(3000))&to=\(ago(2800))", "bucket=hour", "bucket=day&from=\(ago(6 * 1440))"]
        let ids = [first, second, none]
        let before = try Self.reads(ids, queries)
        #expect(before[0][0].contains(#""changes":"#), "the history has points: \(before[0][0])")

        let db = try Self.app.database()
        let outcome = try PriceHistoryDays.maintain(db, retentionDays: PriceHistoryRetention.defaultDays, now: .now)
        let rendered = try db.query("SELECT product_id, count(*) FROM offer_price_days GROUP BY 1 ORDER BY 1").decode((Int64, Int64).self)
        #expect(rendered.map(\.0) == [first, second], "a row per product with history: \(rendered)")
        #expect(rendered.allSatisfy { $0.1 >= 3 }, "the three closed days of each: \(rendered)")
        #expect(outcome.products == rendered.map(\.1).reduce(0, +) && outcome.days >= PriceHistoryRetention.defaultDays - 1, "\(outcome)")
        let through = try db.query("""
            SELECT through = date_trunc('day', now() - interval '1 hour', 'UTC') FROM offer_price_days_rendered
            """).first?.decode(Bool.self)
        #expect(through == true, "every day over for an hour is rendered, none later")

        // Rendered days read byte for byte as their roll-ups.
        _ = try Self.reads(ids, queries, expected: before)
        // And when the job has fallen behind by days (`through` earlier than the midnight
        // before the last), the reads notice and take the hours from the roll-ups.
        try db.query("UPDATE offer_price_days_rendered SET through = through - interval '3 days'")
        _ = try Self.reads(ids, queries, expected: before)
        try db.query("UPDATE offer_price_days_rendered SET through = through + interval '3 days'")

        let again = try PriceHistoryDays.maintain(db, retentionDays: PriceHistoryRetention.defaultDays, now: .now)
        #expect(again == PriceHistoryDays.Outcome(), "nothing left to render")

        // The reads take a closed day from its rendered row, not from the roll-ups.
        let day = try #require(try db.query("SELECT min(day) FROM offer_price_days WHERE product_id = \(first)").first?.decode(Timestamp.self))
        let marker = #"{"at":"\#(day.rfc3339)","min":1,"avg":1.00,"max":1,"offers":1,"changes":1}"#
        try db.query("UPDATE offer_price_days SET points = \(marker) WHERE product_id = \(first) AND day = to_timestamp(\(RFC3339Instant(day.rfc3339)!)::float8)")
        #expect(try Self.history(first, queries[0]).contains(marker), "the rendered row is what the read returns")

        // Rendered days go with the retention, as their partitions do.
        let expired = try PriceHistoryDays.maintain(db, retentionDays: 1, now: .now)
        #expect(expired.expired > 0 && expired.days == 0, "\(expired)")
        let oldest = try db.query("SELECT min(day) > now() - interval '3 days' FROM offer_price_days").first?.decode(Bool?.self)
        #expect(oldest == true, "no rendered day older than the retention's")
    }
}
