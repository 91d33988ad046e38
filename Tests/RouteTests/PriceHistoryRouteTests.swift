import Core
import Foundation
import Testing
import TestSupport

/// `GET /products/{id}/price-history` and `/price-trend` in-process on the suite's own database,
/// over histories with known prices and times written straight into `offer_price_events`,
/// the table the offer sync appends to (its roll-up trigger runs as it does for the sync).
/// What the sync itself records is in the end-to-end `OfferSyncTests+PriceHistory.swift`.
@Suite struct PriceHistoryRouteTests {
    static let app = RouteApp(suite: "pricehistory")
    /// One event: an offer (a small number naming it), how many minutes ago, its price
    /// (nil: it disappeared).
    struct Event {
        var offer: Int
        var minutesAgo: Int
        var price: Int?
    }

    /// A product with exactly this history, and the offers it leaves in force (no offer
    /// sync runs on the suite's database, so nothing else writes to it).
    static func product(_ label: String, _ events: [Event], in app: RouteApp = Self.app) throws -> Int64 {
        let id = try app.createProduct(name: RouteApp.uniqueTag(label))
        let db = try app.database()
        guard !events.isEmpty else { return id }
        // Every day from the oldest event's to today: partitions exist from the day the
        // suite's database was migrated on (the job adds days ahead).
        let oldest = events.map(\.minutesAgo).max() ?? 0
        try db.query("""
            SELECT offer_price_history_add_partitions(((now() - make_interval(mins => \(oldest))) AT TIME ZONE 'UTC')::date + d)
            FROM generate_series(0, \(oldest / 1440 + 1)) AS d
            """)
        let offers = Dictionary(uniqueKeysWithValues: Set(events.map(\.offer)).map { ($0, UUID().uuidString.lowercased()) })
        // Events at the same minute are one sync's: each carries the offers in force after
        // it (count and price sum), as `OfferSyncStore.replaceOffers` writes them.
        var inForce: [Int: Int] = [:]
        var state: [Int: (count: Int, sum: Int)] = [:]
        for minute in Set(events.map(\.minutesAgo)).sorted(by: >) {
            for event in events where event.minutesAgo == minute { inForce[event.offer] = event.price }
            state[minute] = (inForce.count, inForce.values.reduce(0, +))
        }
        try db.query("""
            INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock, in_force_offers, in_force_price_sum)
            SELECT \(id), now() - make_interval(mins => e.minutes), e.offer, e.kind, e.price, CASE WHEN e.price IS NOT NULL THEN 3 END,
                   e.offers, e.total
            FROM unnest(\(events.map { offers[$0.offer] })::uuid[], \(events.map(\.minutesAgo))::int[],
                        \(events.map { $0.price == nil ? "disappeared" : "changed" })::text[], \(events.map(\.price))::bigint[],
                        \(events.map { state[$0.minutesAgo]!.count })::int[], \(events.map { state[$0.minutesAgo]!.sum })::numeric[])
                AS e (offer, minutes, kind, price, offers, total)
            """)
        // The offers in force now are the product's offers, as the sync leaves them.
        for (offer, price) in inForce {
            try db.query("INSERT INTO offers (id, product_id, price, items_in_stock) VALUES (\(offers[offer]!)::uuid, \(id), \(price), 3)")
        }
        return id
    }

    static func trend(_ id: Int64, _ period: String = "1h") throws -> RouteResponse {
        let response = Self.app.get("/products/\(id)/price-trend?period=\(period)")
        try #require(response.status == 200, "\(response.status) \(response.text)")
        return response
    }

    @Test func aRisingMeanIsUpWithTheChangeInPercent() throws {
        // In force an hour ago: offers 1 (1000) and 2 (2000), mean 1500; offer 3 had gone
        // before the start. Now: 1300 and 2200, mean 1750: +16.67 %.
        let id = try Self.product("trend-up", [
            Event(offer: 3, minutesAgo: 180, price: 9999), Event(offer: 3, minutesAgo: 150, price: nil),
            Event(offer: 1, minutesAgo: 120, price: 1000), Event(offer: 2, minutesAgo: 120, price: 2000),
            Event(offer: 1, minutesAgo: 30, price: 1300), Event(offer: 2, minutesAgo: 20, price: 2200),
        ])
        let response = try Self.trend(id)
        #expect(response["product_id"] == .int(id))
        #expect(response["period"] == "1h")
        guard case .object(let from)? = response["from"], case .object(let to)? = response["to"] else {
            Issue.record("no from/to: \(response.text)")
            return
        }
        #expect(PriceHistoryPoint.number(from["avg"]) == "1500.00")
        #expect(PriceHistoryPoint.number(to["avg"]) == "1750.00")
        #expect(PriceHistoryPoint.number(response["change_percent"]) == "16.67")
        #expect(response["direction"] == "up")
        // to.at is now, from.at an hour before it.
        guard case .string(let fromAt)? = from["at"], case .string(let toAt)? = to["at"],
              let start = RFC3339Instant(fromAt), let end = RFC3339Instant(toAt) else {
            Issue.record("bad timestamps: \(response.text)")
            return
        }
        #expect(end.microseconds - start.microseconds == 3_600_000_000)
        #expect(abs(Double(end.microseconds) / 1e6 - Date().timeIntervalSince1970) < 30)
    }

    @Test func aFallingMeanIsDownAndOffersThatAppearOrGoCount() throws {
        // An hour ago: 1 (1200) and 2 (800), mean 1000. Now 2 has gone, 1 is 900 and a new
        // offer 4 costs 600: mean 750, −25 %.
        let id = try Self.product("trend-down", [
            Event(offer: 1, minutesAgo: 90, price: 1200), Event(offer: 2, minutesAgo: 70, price: 800),
            Event(offer: 2, minutesAgo: 40, price: nil), Event(offer: 1, minutesAgo: 30, price: 900),
            Event(offer: 4, minutesAgo: 10, price: 600),
        ])
        let response = try Self.trend(id)
        #expect(PriceHistoryPoint.number(response["change_percent"]) == "-25.00", "\(response.text)")
        #expect(response["direction"] == "down")
    }

    @Test func anUnchangedMeanIsFlat() throws {
        // Only the stock moved (a changed event at the same price); a second offer's price
        // rose and another's fell by as much.
        let id = try Self.product("trend-flat", [
            Event(offer: 1, minutesAgo: 100, price: 1000), Event(offer: 1, minutesAgo: 20, price: 1000),
            Event(offer: 2, minutesAgo: 100, price: 500), Event(offer: 3, minutesAgo: 100, price: 700),
            Event(offer: 2, minutesAgo: 15, price: 600), Event(offer: 3, minutesAgo: 15, price: 600),
        ])
        let response = try Self.trend(id)
        #expect(PriceHistoryPoint.number(response["change_percent"]) == "0.00", "\(response.text)")
        #expect(response["direction"] == "flat")
    }

    @Test func aStartOlderThanTheDayBeforeItIsFoundFurtherBack() throws {
        // The last event before the hour's start is two days old: the start's offers are
        // looked for beyond the day before it (the second, rarer lookup).
        let id = try Self.product("trend-far", [
            Event(offer: 1, minutesAgo: 3000, price: 1000), Event(offer: 1, minutesAgo: 10, price: 1100),
        ])
        let response = try Self.trend(id)
        guard case .object(let from)? = response["from"] else {
            Issue.record("no from: \(response.text)")
            return
        }
        #expect(PriceHistoryPoint.number(from["avg"]) == "1000.00", "\(response.text)")
        #expect(PriceHistoryPoint.number(response["change_percent"]) == "10.00")
        #expect(response["direction"] == "up")
    }

    @Test func nothingInForceAtTheStartGivesNulls() throws {
        let id = try Self.product("trend-null", [Event(offer: 1, minutesAgo: 30, price: 1000)])
        let response = try Self.trend(id)
        guard case .object(let from)? = response["from"], case .object(let to)? = response["to"] else {
            Issue.record("no from/to: \(response.text)")
            return
        }
        #expect(from["avg"] == .null)
        #expect(PriceHistoryPoint.number(to["avg"]) == "1000.00")
        #expect(response["change_percent"] == .null)
        #expect(response["direction"] == .null)
        // Over a day the same product has no start either; a product without any history neither.
        #expect(try Self.trend(id, "24h")["direction"] == .null)
        let empty = try Self.product("trend-empty", [])
        let none = try Self.trend(empty, "30d")
        #expect(none["change_percent"] == .null && none["direction"] == .null, "\(none.text)")
    }

    @Test func historyPointsSummariseEachBucket() throws {
        // Two offers over three hours; minute points, then the same prices by hour and day.
        let id = try Self.product("history", [
            Event(offer: 1, minutesAgo: 150, price: 1000), Event(offer: 2, minutesAgo: 150, price: 3000),
            Event(offer: 1, minutesAgo: 90, price: 1100),
            Event(offer: 2, minutesAgo: 30, price: nil), Event(offer: 1, minutesAgo: 30, price: 1300),
        ])
        let minutes = Self.app.get("/products/\(id)/price-history?bucket=minute&from=\(Self.ago(200))")
        try #require(minutes.status == 200, "\(minutes.status) \(minutes.text)")
        #expect(minutes["bucket"] == "minute")
        let points = PriceHistoryPoint.points(minutes["points"])
        #expect(points.map(\.min) == ["1000", "1100", "1300"], "\(minutes.text)")
        #expect(points.map(\.max) == ["3000", "1100", "1300"])
        #expect(points.map(\.avg) == ["2000.00", "1100.00", "1300.00"])
        #expect(points.map(\.offers) == ["2", "1", "1"])
        #expect(points.map(\.changes) == ["2", "1", "2"], "the disappearance counts as a change")
        #expect(points.map(\.at) == points.map(\.at).sorted(), "in time order")

        for bucket in ["hour", "day"] {
            let wide = Self.app.get("/products/\(id)/price-history?bucket=\(bucket)&from=\(Self.ago(200))")
            try #require(wide.status == 200, "\(wide.status) \(wide.text)")
            let wider = PriceHistoryPoint.points(wide["points"])
            #expect(!wider.isEmpty && wider.count <= 3, "\(wide.text)")
            #expect(wider.map { Int($0.changes)! }.reduce(0, +) == 5, "every event counted once: \(wide.text)")
            #expect(wider.map { Int($0.min)! }.min() == 1000 && wider.map { Int($0.max)! }.max() == 3000)
            for point in wider {
                #expect(Decimal(string: point.min)! <= Decimal(string: point.avg)! && Decimal(string: point.avg)! <= Decimal(string: point.max)!)
            }
        }
        // A day bucket holding all five events: the plain mean of the four prices, 2 offers.
        let day = PriceHistoryPoint.points(Self.app.get("/products/\(id)/price-history?bucket=day&from=\(Self.ago(200))")["points"])
        if day.count == 1 {  // (unless the three hours straddle midnight UTC)
            #expect(day[0].avg == "1600.00" && day[0].offers == "2", "\(day)")
        }

        let empty = Self.app.get("/products/\(id)/price-history?from=\(Self.ago(2000))&to=\(Self.ago(1900))")
        #expect(empty.status == 200)
        #expect(empty["points"] == .array([]), "a range without data: \(empty.text)")
        #expect(empty["bucket"] == "minute", "100 minutes default to minute buckets")
        let defaults = Self.app.get("/products/\(id)/price-history")
        #expect(defaults["bucket"] == "hour", "the last 24 hours default to hour buckets: \(defaults.text)")
        #expect(PriceHistoryPoint.points(defaults["points"]).map { Int($0.changes)! }.reduce(0, +) == 5)
    }

    @Test func badParametersAre422AndUnknownProducts404() throws {
        let id = try Self.product("bad", [])
        let history = "/products/\(id)/price-history"
        for (query, field) in [("bucket=week", "bucket"), ("bucket=", "bucket"), ("from=yesterday", "from"),
                               ("to=2026-11-30T25:00:00Z", "to"), ("from=2026-02-30T00:00:00Z", "from"),
                               ("from=2026-11-30", "from"), ("from=", "from"), ("to=2026-11-30T12:00:00", "to"),
                               ("from=2026-11-30T12:00:00Z&to=2026-11-30T11:00:00Z", "from")] {
            let response = Self.app.get("\(history)?\(query)")
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == [field], "?\(query): \(response.text)")
        }
        let tooMany = Self.app.get("\(history)?bucket=minute&from=2026-11-01T00:00:00Z&to=2026-11-03T00:00:00Z")
        Expect.problem(tooMany, 422)
        guard case .string(let detail)? = tooMany["detail"] else {
            Issue.record("no detail: \(tooMany.text)")
            return
        }
        #expect(detail.contains("2880") && detail.contains("\(PriceHistoryQuery.maximumPoints)"), "says how many and the maximum: \(detail)")
        // Exactly the maximum is fine; offsets and fractions are RFC 3339 too.
        #expect(Self.app.get("\(history)?bucket=minute&from=2026-11-01T00:00:00Z&to=2026-11-02T09:20:00Z").status == 200)
        #expect(Self.app.get("\(history)?from=2026-11-01T01:00:00.5%2B01:00&to=2026-11-01T00:30:00z").status == 200)

        for period in ["2h", "", "1H", "7"] {
            let response = Self.app.get("/products/\(id)/price-trend?period=\(period)")
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == ["period"])
        }
        let unknown = Int64.max
        Expect.problem(Self.app.get("/products/\(unknown)/price-history"), 404)
        Expect.problem(Self.app.get("/products/\(unknown)/price-trend"), 404)
        Expect.problem(Self.app.get("/products/0/price-trend"), 404)
    }

    // MARK: - Helpers

    /// RFC 3339 for `minutes` ago, whole seconds.
    static func ago(_ minutes: Int) -> String {
        RFC3339Instant(microseconds: Int64((Date().timeIntervalSince1970 - Double(minutes * 60)) * 1_000_000)).description
    }
}
