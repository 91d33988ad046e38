import Core
import Testing

/// The products resource end to end: client → nginx → worker → PostgreSQL.
@Suite struct ProductsAPITests {
    @Test func createReturns201WithLocationETagAndExactPrice() throws {
        let name = TestStack.uniqueTag("create")
        let response = try HTTP.send("POST", "/products", json: ["name": .string(name), "description": "Blue", "price": .number("19.99")], headers: Auth.admin)
        #expect(response.status == 201)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        let id = try #require(response["id"])
        #expect(response.header("Location") == "/products/\(id.encodedString)")
        #expect(response.header("ETag")?.hasPrefix("\"") == true)
        #expect(response["name"] == .string(name))
        #expect(response["description"] == "Blue")
        #expect(response["price"] == .number("19.99"))
        #expect(response["offers_synced_at"] == .null)
        #expect(response["offers"] == [])
        guard case .string(let created)? = response["created_at"] else { Issue.record("no created_at"); return }
        #expect(created.hasSuffix("Z") && created.count == 20, "RFC 3339 UTC: \(created)")

        // Stored exactly, as numeric.
        let stored = try TestStack.database().query("SELECT price::text FROM products WHERE name = \(name)")
        #expect(try stored.first?.string(0) == "19.99")
    }

    @Test func pricesRoundTripExactly() throws {
        for (sent, expected) in [("0", "0.00"), ("0.1", "0.10"), ("10", "10.00"), ("19.99", "19.99"), ("1e2", "100.00"),
                                 ("1234567.89", "1234567.89"), ("9999999999.99", "9999999999.99"), ("2.50", "2.50")] {
            let response = try HTTP.send("POST", "/products", json: ["name": .string(TestStack.uniqueTag("price")), "price": .number(sent)], headers: Auth.admin)
            #expect(response.status == 201, "\(sent): \(response.text)")
            #expect(response["price"] == .number(expected), "\(sent) → \(response.text)")
        }
    }

    @Test func getReturnsTheProductWithOffersAndAStrongETag() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("get"), price: "5.00")
        let response = try HTTP.get("/products/\(id)")
        #expect(response.status == 200)
        #expect(response["id"] == .int(id))
        #expect(response["offers"] == [])
        let etag = try #require(response.header("ETag"))
        #expect(!etag.hasPrefix("W/"))
        #expect(try HTTP.get("/products/\(id)").header("ETag") == etag, "same representation, same tag")

        let notModified = try HTTP.get("/products/\(id)", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.header("ETag") == etag)
        #expect(try HTTP.get("/products/\(id)", headers: [("If-None-Match", "\"other\", \(etag)")]).status == 304)
        #expect(try HTTP.get("/products/\(id)", headers: [("If-None-Match", "\"stale\"")]).status == 200)
    }

    @Test func unknownProductIs404() throws {
        Fixtures.expectProblem(try HTTP.get("/products/999999999"), 404)
        Fixtures.expectProblem(try HTTP.get("/products/999999999/offers"), 404)
        Fixtures.expectProblem(try HTTP.send("PUT", "/products/999999999", json: ["name": "x", "price": 1], headers: Auth.admin), 404)
        Fixtures.expectProblem(try HTTP.send("PATCH", "/products/999999999", json: ["name": "x"], headers: Auth.admin), 404)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/products/999999999", headers: Auth.admin), 404)
    }

    @Test func putReplacesAllWritableFields() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("put"), description: "old", price: "1.00")
        let response = try HTTP.send("PUT", "/products/\(id)", json: ["name": "Replaced", "price": .number("2.25")], headers: Auth.admin)
        #expect(response.status == 200)
        #expect(response["name"] == "Replaced")
        #expect(response["description"] == "", "PUT without description resets it")
        #expect(response["price"] == .number("2.25"))
        let missing = try HTTP.send("PUT", "/products/\(id)", json: ["name": "Only name"], headers: Auth.admin)
        Fixtures.expectProblem(missing, 422)
        #expect(Fixtures.errorFields(missing) == ["price"])
    }

    @Test func patchChangesOnlyTheGivenFields() throws {
        let name = TestStack.uniqueTag("patch")
        let id = try Fixtures.createProduct(name: name, description: "keep me", price: "3.00")
        let response = try HTTP.send("PATCH", "/products/\(id)", json: ["price": .number("4.50")], headers: Auth.admin)
        #expect(response.status == 200)
        #expect(response["name"] == .string(name))
        #expect(response["description"] == "keep me")
        #expect(response["price"] == .number("4.50"))
        let empty = try HTTP.send("PATCH", "/products/\(id)", json: [:], headers: Auth.admin)
        Fixtures.expectProblem(empty, 422)
    }

    @Test func ifMatchGuardsConcurrentWrites() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("ifmatch"), price: "1.00")
        let etag = try #require(try HTTP.get("/products/\(id)").header("ETag"))
        let first = try HTTP.send("PATCH", "/products/\(id)", json: ["price": 2], headers: Auth.admin + [("If-Match", etag)])
        #expect(first.status == 200)
        let newTag = try #require(first.header("ETag"))
        #expect(newTag != etag)

        let before = try Fixtures.productRow(id)
        let stale = try HTTP.send("PATCH", "/products/\(id)", json: ["price": 3], headers: Auth.admin + [("If-Match", etag)])
        Fixtures.expectProblem(stale, 412)
        Fixtures.expectProblem(try HTTP.send("PUT", "/products/\(id)", json: ["name": "n", "price": 3], headers: Auth.admin + [("If-Match", etag)]), 412)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin + [("If-Match", etag)]), 412)
        #expect(try Fixtures.productRow(id) == before, "a failed precondition changes nothing")

        #expect(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin + [("If-Match", newTag)]).status == 204)
    }

    @Test func deleteRemovesTheProductAndItsOffers() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("delete"))
        try insertOffer(productID: id, price: 1500, stock: 3)
        #expect(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin).status == 204)
        Fixtures.expectProblem(try HTTP.get("/products/\(id)"), 404)
        Fixtures.expectProblem(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin), 404)
        let offers = try TestStack.database().query("SELECT count(*) FROM offers WHERE product_id = \(id)")
        #expect(try offers.first!.int64(0) == 0)
    }

    @Test func offersAreEmptyUntilSyncedThenEmbedded() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("offers"))
        let empty = try HTTP.get("/products/\(id)/offers")
        #expect(empty.status == 200)
        #expect(try empty.json == [])
        let before = try #require(try HTTP.get("/products/\(id)").header("ETag"))

        // What the offer-sync job writes (the web workers never call the offers service).
        // Read past nginx's response cache, which still holds the empty list for a bounded
        // while (ResponseCacheTests): this test is about what the service answers.
        let offerID = try insertOffer(productID: id, price: 1299, stock: 7)
        let fresh = [("Cache-Control", "no-cache")]
        let list = try HTTP.get("/products/\(id)/offers", headers: fresh)
        guard case .array(let offers) = try list.json, case .object(let offer)? = offers.first else {
            Issue.record("expected one offer: \(list.text)")
            return
        }
        #expect(offer["id"] == .string(offerID))
        #expect(offer["price"] == 1299)
        #expect(offer["items_in_stock"] == 7)
        #expect(offer["updated_at"] != nil)
        let detail = try HTTP.get("/products/\(id)", headers: fresh)
        #expect(detail["offers"] == .array(offers))
        #expect(detail.header("ETag") != before, "the tag changes when the offers change")
    }

    @Test func offersComeInIdOrder() throws {
        // The statement leaves the order to the application (no Sort node in PostgreSQL);
        // the contract is id order, the order in which PostgreSQL sorts `uuid` values.
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("offer-order"))
        let ids = ["f0000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000002",
                   "c3000000-0000-4000-8000-000000000003", "0a000000-0000-4000-8000-000000000001"]
        for (index, offerID) in ids.enumerated() {
            try TestStack.database().query(
                "INSERT INTO offers (id, product_id, price, items_in_stock) VALUES (\(offerID)::uuid, \(id), \(Int64(100 + index)), 1)")
        }
        let inPostgresOrder = try TestStack.database()
            .query("SELECT id::text FROM offers WHERE product_id = \(id) ORDER BY id").rows.map { try $0.string(0) }
        #expect(inPostgresOrder == ids.sorted())
        let expected = inPostgresOrder.map { JSONValue.string($0) }
        let list = try HTTP.get("/products/\(id)/offers")
        let detail = try HTTP.get("/products/\(id)")
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

    @Test func listPagesWithACursorAndLinkHeader() throws {
        let tag = TestStack.uniqueTag("page")
        var ids: [Int64] = []
        for index in 0..<5 { ids.append(try Fixtures.createProduct(name: "\(tag) item \(index)")) }

        var seen: [Int64] = []
        var next: String? = "/products?q=\(tag)&limit=2"
        var pages = 0
        while let path = next, pages < 10 {
            let response = try HTTP.get(path)
            #expect(response.status == 200)
            guard case .array(let items) = try response.json else { Issue.record("not an array"); return }
            #expect(items.count <= 2)
            for case .object(let item) in items { if case .number(let id)? = item["id"] { seen.append(Int64(id)!) } }
            next = response.header("Link").flatMap { link in
                guard link.hasSuffix("rel=\"next\""), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">") else { return nil }
                return String(link[link.index(after: open)..<close])
            }
            pages += 1
        }
        #expect(seen == ids, "every product exactly once, in id order")
        #expect(pages == 3)
    }

    @Test func searchIsCaseInsensitiveAndLiteral() throws {
        let tag = TestStack.uniqueTag("Search")
        let id = try Fixtures.createProduct(name: "\(tag) 100% Cotton_Shirt")
        try Fixtures.createProduct(name: "\(tag) 100X CottonXShirt")
        let upper = try HTTP.get("/products?q=\(tag.uppercased())")
        guard case .array(let all) = try upper.json else { Issue.record("not an array"); return }
        #expect(all.count == 2)
        let literal = try HTTP.get("/products?q=" + PercentEncoding.encode("\(tag) 100% cotton_"))
        guard case .array(let matched) = try literal.json, case .object(let first)? = matched.first else {
            Issue.record("no match: \(literal.text)")
            return
        }
        #expect(matched.count == 1, "% and _ match literally")
        #expect(first["id"] == .int(id))
    }

    /// Terms without three letters or digits in a row are refused (README, "Search"), and
    /// an empty `q` is no search at all.
    @Test func searchTermsTheIndexCannotServeAre422() throws {
        for term in ["a", "ab", "a-b-c", "%%", "ééé"] {
            let response = try HTTP.get("/products?q=" + PercentEncoding.encode(term))
            Fixtures.expectProblem(response, 422)
            #expect(Fixtures.errorFields(response) == ["q"], "\(term): \(response.text)")
        }
        #expect(try HTTP.get("/products?q=abc").status == 200)
        #expect(try HTTP.get("/products?q=").status == 200)
    }

    @Test func collectionParametersAreValidated() throws {
        for query in ["limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=not-a-cursor", "cursor=", "q=" + String(repeating: "a", count: 201)] {
            let response = try HTTP.get("/products?\(query)")
            Fixtures.expectProblem(response, 422)
        }
        let maxPage = try HTTP.get("/products?limit=200")
        #expect(maxPage.status == 200)
    }

    @discardableResult
    private func insertOffer(productID: Int64, price: Int64, stock: Int64) throws -> String {
        let result = try TestStack.database().query(
            "INSERT INTO offers (id, product_id, price, items_in_stock) VALUES (gen_random_uuid(), \(productID), \(price), \(stock)) RETURNING id::text")
        return try result.first!.string(0)
    }
}
