import Core
import Foundation
import Testing
import TestSupport

/// The price history the offer sync records (issue 16): an event for each offer that
/// appeared, changed price or stock, or disappeared, in the run that saw it; nothing for
/// a run that found the offers as stored; expired days dropped by the job.
extension OfferSyncTests {
    /// The product's events as "offer kind price", one sorted group per run (the events
    /// of a run share its time), in time order; offers not in `names` are left out.
    static func events(_ id: Int64, names: [String: String]) throws -> [[String]] {
        var groups: [(String, [String])] = []
        for row in try TestStack.database().query("""
            SELECT at::text, offer_id::text, kind, coalesce(price::text, '-') FROM offer_price_events
            WHERE product_id = \(id) ORDER BY at
            """).rows {
            guard let name = names[try row.string(1)] else { continue }
            let event = "\(name) \(try row.string(2)) \(try row.string(3))"
            if groups.last?.0 == (try row.string(0)) { groups[groups.count - 1].1.append(event) } else { groups.append((try row.string(0), [event])) }
        }
        return groups.map { $0.1.sorted() }
    }

    static func eventCount(_ id: Int64) throws -> Int64 {
        try TestStack.database().query("SELECT count(*) FROM offer_price_events WHERE product_id = \(id)").first!.int64(0)
    }

    @Test func threeSyncsThatChangedPricesGiveMinutePointsWithMinAvgMax() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("history")
        try OfferSync.runSuccessfully()  // registers it (and records the service's first offers)
        let a = UUID().uuidString.lowercased(), b = UUID().uuidString.lowercased(), c = UUID().uuidString.lowercased()
        let names = [a: "a", b: "b", c: "c"]
        let before = try Self.eventCount(product.id)

        try Standin.pin(product.uuid, [OfferTriple(id: a, price: 1000, stock: 5), OfferTriple(id: b, price: 2000, stock: 1)])
        try OfferSync.runSuccessfully()
        try Standin.pin(product.uuid, [OfferTriple(id: a, price: 1100, stock: 5), OfferTriple(id: b, price: 1900, stock: 0)])
        try OfferSync.runSuccessfully()
        try Standin.pin(product.uuid, [OfferTriple(id: a, price: 1200, stock: 4), OfferTriple(id: c, price: 500, stock: 9)])
        try OfferSync.runSuccessfully()

        // The first pinned run also recorded the service's earlier offers disappearing.
        let recorded = try Self.events(product.id, names: names)
        #expect(recorded == [["a appeared 1000", "b appeared 2000"], ["a changed 1100", "b changed 1900"],
                             ["a changed 1200", "b disappeared -", "c appeared 500"]], "\(recorded)")
        let total = try Self.eventCount(product.id)
        #expect(total - before >= 7)

        let response = try HTTP.get("/products/\(product.id)/price-history?bucket=minute", headers: OfferSync.uncached)
        try #require(response.status == 200, "\(response.status) \(response.text)")
        let points = PriceHistoryPoint.points(response["points"])
        #expect(points.count >= 1, "\(response.text)")
        for point in points {
            let low = Decimal(string: point.min)!, mean = Decimal(string: point.avg)!, high = Decimal(string: point.max)!
            #expect(low <= mean && mean <= high, "\(point)")
            #expect(Int(point.offers)! >= 1)
        }
        #expect(points.map { Int64($0.changes)! }.reduce(0, +) == total, "every recorded event is in a point")
        #expect((points.map { Int($0.min)! }.min() ?? .max) <= 500, "c's price is among the lows")
        #expect((points.map { Int($0.max)! }.max() ?? 0) >= 2000, "b's first price is among the highs")
        // Hours (the day rows the events' trigger keeps) count the same events.
        let hours = PriceHistoryPoint.points(try HTTP.get("/products/\(product.id)/price-history?bucket=hour", headers: OfferSync.uncached)["points"])
        #expect(hours.map { Int64($0.changes)! }.reduce(0, +) == total)
    }

    @Test func aSyncThatFindsTheSameOffersRecordsNothing() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("history-same")
        try OfferSync.runSuccessfully()
        try Standin.pin(product.uuid, [OfferTriple(id: UUID().uuidString.lowercased(), price: 1999, stock: 4)])
        try OfferSync.runSuccessfully()
        let events = try Self.eventCount(product.id)
        let rollUps = try TestStack.database().query(
            "SELECT coalesce(sum(changes), 0), count(*), coalesce(max(xmin::text), '') FROM offer_price_hourly WHERE product_id = \(product.id)").first!
        let rolledUp = try rollUps.decode((Int64, Int64, String).self)
        #expect(events > 0)

        let run = try OfferSync.runSuccessfully()
        #expect((run.count("unchanged") ?? 0) >= 1, "\(run.summary)")
        #expect(try Self.eventCount(product.id) == events, "no event for an unchanged set")
        let again = try TestStack.database().query(
            "SELECT coalesce(sum(changes), 0), count(*), coalesce(max(xmin::text), '') FROM offer_price_hourly WHERE product_id = \(product.id)").first!
        #expect(try again.decode((Int64, Int64, String).self) == rolledUp, "no roll-up row written")
    }

    @Test func theJobDropsExpiredDaysAndAddsTheComingOnes() throws {
        let db = try TestStack.database()
        func exists(_ table: String, daysAgo: Int) throws -> Bool {
            try db.query("""
                SELECT to_regclass(\(table) || '_' || to_char((now() AT TIME ZONE 'UTC')::date - \(daysAgo)::int, 'YYYYMMDD')) IS NOT NULL
                """).first!.bool(0)
        }
        let retention = PriceHistoryRetention.defaultDays
        // A day past the retention with an event in it, and a day inside it.
        for daysAgo in [retention + 10, retention - 10] {
            try db.query("SELECT offer_price_history_add_partitions((now() AT TIME ZONE 'UTC')::date - \(daysAgo)::int)")
            try db.query("""
                INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock, in_force_offers, in_force_price_sum)
                VALUES (0, now() - make_interval(days => \(daysAgo)), gen_random_uuid(), 'appeared', 1, 1, 1, 1)
                """)
        }
        #expect(try exists("offer_price_events", daysAgo: retention + 10) && exists("offer_price_hourly", daysAgo: retention + 10))

        try OfferSync.runSuccessfully()
        #expect(try !exists("offer_price_events", daysAgo: retention + 10), "the expired day's events were dropped")
        #expect(try !exists("offer_price_hourly", daysAgo: retention + 10), "and its roll-ups")
        #expect(try exists("offer_price_events", daysAgo: retention - 10), "a day inside the retention stays")
        let days = try db.query("""
            SELECT (now() AT TIME ZONE 'UTC')::date - (day AT TIME ZONE 'UTC')::date FROM offer_price_days WHERE product_id = 0
            """).decode(Int.self)
        #expect(days == [retention - 10], "the expired day's hour points deleted, the other kept: \(days)")
        for ahead in 0...PriceHistoryPartitions.daysAhead {
            #expect(try exists("offer_price_events", daysAgo: -ahead) && exists("offer_price_hourly", daysAgo: -ahead), "day +\(ahead)")
        }
        try db.query("DELETE FROM offer_price_events WHERE product_id = 0")
        try db.query("DELETE FROM offer_price_hourly WHERE product_id = 0")
        try db.query("DELETE FROM offer_price_days WHERE product_id = 0")
    }
}
