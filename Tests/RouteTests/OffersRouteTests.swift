import Core
import Testing

/// A product's offers as clients read them (`/products/{id}/offers` and the offers
/// embedded in `/products/{id}`), in-process on the suite's own database. What the offer sync
/// writes is the end-to-end `OfferSyncTests`.
@Suite struct OffersRouteTests {
    static let app = RouteApp(suite: "offers")
    var app: RouteApp { Self.app }

    @Test func deleteRemovesTheProductAndItsOffers() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("delete"))
        try app.insertOffer(productID: id, price: 1500, stock: 3)
        #expect(app.send("DELETE", "/products/\(id)", headers: app.admin).status == 204)
        Expect.problem(app.get("/products/\(id)"), 404)
        Expect.problem(app.send("DELETE", "/products/\(id)", headers: app.admin), 404)
        let offers = try app.database().query("SELECT count(*) FROM offers WHERE product_id = \(id)")
        #expect(try offers.first!.int64(0) == 0)
    }

    @Test func offersAreEmptyUntilSyncedThenEmbedded() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("offers"))
        let empty = app.get("/products/\(id)/offers")
        #expect(empty.status == 200)
        #expect(try empty.json == [])
        let before = try #require(app.get("/products/\(id)").header("ETag"))

        // What the offer-sync job writes (the web workers never call the offers service).
        let offerID = try app.insertOffer(productID: id, price: 1299, stock: 7)
        let list = app.get("/products/\(id)/offers")
        guard case .array(let offers) = try list.json, case .object(let offer)? = offers.first else {
            Issue.record("expected one offer: \(list.text)")
            return
        }
        #expect(offer["id"] == .string(offerID))
        #expect(offer["price"] == 1299)
        #expect(offer["items_in_stock"] == 7)
        #expect(offer["updated_at"] != nil)
        let detail = app.get("/products/\(id)")
        #expect(detail["offers"] == .array(offers))
        #expect(detail.header("ETag") != before, "the tag changes when the offers change")
    }

    @Test func offersComeInIdOrder() throws {
        // The statement leaves the order to the application (no Sort node in PostgreSQL);
        // the contract is id order, the order in which PostgreSQL sorts `uuid` values.
        let id = try app.createProduct(name: RouteApp.uniqueTag("offer-order"))
        let ids = ["f0000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000002",
                   "c3000000-0000-4000-8000-000000000003", "0a000000-0000-4000-8000-000000000001"]
        for (index, offerID) in ids.enumerated() {
            try app.database().query("INSERT INTO offers (id, product_id, price, items_in_stock) VALUES (\(offerID)::uuid, \(id), \(Int64(100 + index)), 1)")
        }
        let inPostgresOrder = try app.database()
            .query("SELECT id::text FROM offers WHERE product_id = \(id) ORDER BY id").rows.map { try $0.string(0) }
        #expect(inPostgresOrder == ids.sorted())
        let expected = inPostgresOrder.map { JSONValue.string($0) }
        let list = app.get("/products/\(id)/offers")
        let detail = app.get("/products/\(id)")
        #expect(list.status == 200 && detail.status == 200)
        for (path, body) in [("/offers", try list.json), ("detail", detail["offers"] ?? .null)] {
            guard case .array(let offers) = body else {
                Issue.record("expected an array of offers (\(path)): \(body)")
                continue
            }
            let ids = offers.map { offer -> JSONValue in
                guard case .object(let members) = offer else { return .null }
                return members["id"] ?? .null
            }
            #expect(ids == expected, "\(path)")
        }
    }
}
