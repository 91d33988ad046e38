import Core
import Testing

/// The products routes in-process (`CatalogService.respond(to:)` on the suite's own database):
/// status, headers, bodies and stored rows. Offers are `OffersRouteTests`.
@Suite struct ProductsRouteTests {
    static let app = RouteApp(suite: "products")
    var app: RouteApp { Self.app }
    private let json = [("Content-Type", "application/json")]

    @Test func malformedJSONIs400() throws {
        for body in ["{", "{\"name\": }", "nul", "{\"a\":1,}", "{'a':1}", "", "{\"name\":\"x\"} trailing"] {
            let response = app.send("POST", "/products", headers: app.admin + json, body: Array(body.utf8))
            Expect.problem(response, 400)
        }
    }

    @Test func nonJSONContentTypeIs415() throws {
        let response = app.send("POST", "/products", headers: app.admin + [("Content-Type", "text/plain")], body: Array("{}".utf8))
        Expect.problem(response, 415)
        let none = app.send("POST", "/products", headers: app.admin, body: Array("{}".utf8))
        Expect.problem(none, 415)
    }

    @Test func validationFailuresAre422WithFieldErrors() throws {
        let cases: [(JSONValue, [String])] = [
            (["name": "", "price": 1], ["name"]),
            (["name": .string(String(repeating: "n", count: 201)), "price": 1], ["name"]),
            (["name": "ok", "price": -1], ["price"]),
            (["name": "ok", "price": .number("1.005")], ["price"]),
            (["name": "ok", "price": "19.99"], ["price"]),
            (["name": "ok", "price": .number("10000000000")], ["price"]),
            (["name": "ok", "price": .number("1e400")], ["price"]),
            (["name": "ok"], ["price"]),
            (["price": 1], ["name"]),
            (["name": 5, "price": 1], ["name"]),
            (["name": "ok", "price": 1, "id": 7], ["id"]),
            (["name": "ok", "price": 1, "description": .string(String(repeating: "d", count: 10_001))], ["description"]),
            (["name": "a\u{0}b", "price": 1], ["name"]),
            ([1, 2], ["body"]),
            ("just a string", ["body"]),
        ]
        for (body, fields) in cases {
            let response = app.send("POST", "/products", json: body, headers: app.admin)
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == fields, "\(body.encodedString) → \(response.text)")
            #expect(response["type"] == "/problems/validation")
        }
        // Several problems are reported together.
        let many = app.send("POST", "/products", json: ["name": "", "price": -5, "colour": "red"], headers: app.admin)
        #expect(Set(Expect.errorFields(many)) == ["name", "price", "colour"])
    }

    /// A body the worker did not read (its declared length is over `CATALOG_MAX_BODY_BYTES`;
    /// nginx's own 413 answers before that in a deployment: the end-to-end suite).
    @Test func bodyOverTheLimitIs413ProblemJSON() throws {
        let big = Array("{\"name\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1_100_000) + Array("\",\"price\":1}".utf8)
        let response = app.send("POST", "/products", headers: app.admin + json, body: big)
        Expect.problem(response, 413)
    }

    @Test func badInputLeavesTheDatabaseUnchanged() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("unchanged"), description: "original", price: "7.77")
        let countBefore = try app.productCount()
        let rowBefore = try app.productRow(id)

        let nul = Array("{\"name\":\"evil\\u0000name\",\"price\":1}".utf8)
        let big = Array("{\"name\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: 1_100_000) + Array("\",\"price\":1}".utf8)
        let attempts: [(String, String, [(String, String)], [UInt8])] = [
            ("POST", "/products", json, Array("{".utf8)),
            ("POST", "/products", json, nul),
            ("POST", "/products", json, big),
            ("POST", "/products", json, Array("{\"name\":\"x\",\"price\":99999999999999999999999}".utf8)),
            ("POST", "/products", [("Content-Type", "text/plain")], Array("{\"name\":\"x\",\"price\":1}".utf8)),
            ("PUT", "/products/\(id)", json, nul),
            ("PUT", "/products/\(id)", json, big),
            ("PUT", "/products/\(id)", json, Array("{\"name\":\"x\",\"price\":-1}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("{\"price\":\"free\"}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("{\"name\":\"\"}".utf8)),
            ("PATCH", "/products/\(id)", json, Array("[]".utf8)),
        ]
        for (method, path, headers, body) in attempts {
            let response = app.send(method, path, headers: app.admin + headers, body: body)
            #expect((400...499).contains(response.status), "\(method) \(path) → \(response.status)")
            Expect.noLeak(response)
        }
        #expect(try app.productCount() == countBefore)
        #expect(try app.productRow(id) == rowBefore)
    }

    @Test func productWritesNeedAnAdmin() throws {
        let body: JSONValue = ["name": "Guarded", "price": 1]
        let anonymous = app.send("POST", "/products", json: body)
        Expect.problem(anonymous, 401)
        #expect(anonymous.header("WWW-Authenticate") == "Bearer")
        let user = try app.newUser("shopper")
        Expect.problem(app.send("POST", "/products", json: body, headers: user.headers), 403)
        let created = app.send("POST", "/products", json: body, headers: app.admin)
        #expect(created.status == 201)
        let id = try #require(created["id"]).encodedString
        Expect.problem(app.send("PATCH", "/products/\(id)", json: ["price": 2], headers: user.headers), 403)
        Expect.problem(app.send("PUT", "/products/\(id)", json: body), 401)
        Expect.problem(app.send("DELETE", "/products/\(id)", headers: user.headers), 403)
        #expect(app.get("/products/\(id)").status == 200, "reads stay public")
        #expect(app.send("DELETE", "/products/\(id)", headers: app.admin).status == 204)
    }

    /// `Cache-Control` on the cacheable reads (`ResponseCachePolicy`, its defaults here):
    /// an anonymous 200 may be kept by shared caches, an answer to a caller with any
    /// `Authorization` is private, any other status is not stored; writes say nothing.
    /// (What nginx's cache does with it is the end-to-end `ResponseCacheTests`.)
    @Test func cacheableReadsSayWhoMayKeepThemAndForHowLong() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("cache"))
        let (age, stale) = (ResponseCachePolicy.defaultMaxAge, ResponseCachePolicy.defaultMaxStale)
        let shared = "public, s-maxage=\(age), stale-while-revalidate=\(stale), stale-if-error=\(stale)"
        for path in ["/products/\(id)", "/products/\(id)/offers", "/products?limit=1"] {
            #expect(app.get(path).header("Cache-Control") == shared, "\(path)")
            #expect(app.get(path, headers: app.admin).header("Cache-Control") == "private", "\(path)")
            #expect(app.get(path, headers: [("Authorization", "Bearer not.a.token")]).header("Cache-Control") == "private", "\(path)")
        }
        let etag = try #require(app.get("/products/\(id)").header("ETag"))
        let notModified = app.get("/products/\(id)", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304 && notModified.header("Cache-Control") == "no-store", "a 304 is never stored")
        #expect(app.get("/products/999999999").header("Cache-Control") == "no-store")
        #expect(app.send("PATCH", "/products/\(id)", json: ["price": 2], headers: app.admin).header("Cache-Control") == nil)
    }

    @Test func createReturns201WithLocationETagAndExactPrice() throws {
        let name = RouteApp.uniqueTag("create")
        let response = app.send("POST", "/products", json: ["name": .string(name), "description": "Blue", "price": .number("19.99")], headers: app.admin)
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
        let stored = try app.database().query("SELECT price::text FROM products WHERE name = \(name)")
        #expect(try stored.first?.string(0) == "19.99")
    }

    @Test func pricesRoundTripExactly() throws {
        for (sent, expected) in [("0", "0.00"), ("0.1", "0.10"), ("10", "10.00"), ("19.99", "19.99"), ("1e2", "100.00"),
                                 ("1234567.89", "1234567.89"), ("9999999999.99", "9999999999.99"), ("2.50", "2.50")] {
            let response = app.send("POST", "/products", json: ["name": .string(RouteApp.uniqueTag("price")), "price": .number(sent)], headers: app.admin)
            #expect(response.status == 201, "\(sent): \(response.text)")
            #expect(response["price"] == .number(expected), "\(sent) → \(response.text)")
        }
    }

    @Test func getReturnsTheProductWithOffersAndAStrongETag() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("get"), price: "5.00")
        let response = app.get("/products/\(id)")
        #expect(response.status == 200)
        #expect(response["id"] == .int(id))
        #expect(response["offers"] == [])
        let etag = try #require(response.header("ETag"))
        #expect(!etag.hasPrefix("W/"))
        #expect(app.get("/products/\(id)").header("ETag") == etag, "same representation, same tag")

        let notModified = app.get("/products/\(id)", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.header("ETag") == etag)
        #expect(app.get("/products/\(id)", headers: [("If-None-Match", "\"other\", \(etag)")]).status == 304)
        #expect(app.get("/products/\(id)", headers: [("If-None-Match", "\"stale\"")]).status == 200)
    }

    @Test func unknownProductIs404() throws {
        Expect.problem(app.get("/products/999999999"), 404)
        Expect.problem(app.get("/products/999999999/offers"), 404)
        Expect.problem(app.send("PUT", "/products/999999999", json: ["name": "x", "price": 1], headers: app.admin), 404)
        Expect.problem(app.send("PATCH", "/products/999999999", json: ["name": "x"], headers: app.admin), 404)
        Expect.problem(app.send("DELETE", "/products/999999999", headers: app.admin), 404)
    }

    @Test func putReplacesAllWritableFields() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("put"), description: "old", price: "1.00")
        let response = app.send("PUT", "/products/\(id)", json: ["name": "Replaced", "price": .number("2.25")], headers: app.admin)
        #expect(response.status == 200)
        #expect(response["name"] == "Replaced")
        #expect(response["description"] == "", "PUT without description resets it")
        #expect(response["price"] == .number("2.25"))
        let missing = app.send("PUT", "/products/\(id)", json: ["name": "Only name"], headers: app.admin)
        Expect.problem(missing, 422)
        #expect(Expect.errorFields(missing) == ["price"])
    }

    @Test func patchChangesOnlyTheGivenFields() throws {
        let name = RouteApp.uniqueTag("patch")
        let id = try app.createProduct(name: name, description: "keep me", price: "3.00")
        let response = app.send("PATCH", "/products/\(id)", json: ["price": .number("4.50")], headers: app.admin)
        #expect(response.status == 200)
        #expect(response["name"] == .string(name))
        #expect(response["description"] == "keep me")
        #expect(response["price"] == .number("4.50"))
        let empty = app.send("PATCH", "/products/\(id)", json: [:], headers: app.admin)
        Expect.problem(empty, 422)
    }

    @Test func ifMatchGuardsConcurrentWrites() throws {
        let id = try app.createProduct(name: RouteApp.uniqueTag("ifmatch"), price: "1.00")
        let etag = try #require(app.get("/products/\(id)").header("ETag"))
        let first = app.send("PATCH", "/products/\(id)", json: ["price": 2], headers: app.admin + [("If-Match", etag)])
        #expect(first.status == 200)
        let newTag = try #require(first.header("ETag"))
        #expect(newTag != etag)

        let before = try app.productRow(id)
        let stale = app.send("PATCH", "/products/\(id)", json: ["price": 3], headers: app.admin + [("If-Match", etag)])
        Expect.problem(stale, 412)
        Expect.problem(app.send("PUT", "/products/\(id)", json: ["name": "n", "price": 3], headers: app.admin + [("If-Match", etag)]), 412)
        Expect.problem(app.send("DELETE", "/products/\(id)", headers: app.admin + [("If-Match", etag)]), 412)
        #expect(try app.productRow(id) == before, "a failed precondition changes nothing")

        #expect(app.send("DELETE", "/products/\(id)", headers: app.admin + [("If-Match", newTag)]).status == 204)
    }

    @Test func listPagesWithACursorAndLinkHeader() throws {
        let tag = RouteApp.uniqueTag("page")
        var ids: [Int64] = []
        for index in 0..<5 { ids.append(try app.createProduct(name: "\(tag) item \(index)")) }

        var seen: [Int64] = []
        var next: String? = "/products?q=\(tag)&limit=2"
        var pages = 0
        while let path = next, pages < 10 {
            let response = app.get(path)
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
        let tag = RouteApp.uniqueTag("Search")
        let id = try app.createProduct(name: "\(tag) 100% Cotton_Shirt")
        try app.createProduct(name: "\(tag) 100X CottonXShirt")
        let upper = app.get("/products?q=\(tag.uppercased())")
        guard case .array(let all) = try upper.json else { Issue.record("not an array"); return }
        #expect(all.count == 2)
        let literal = app.get("/products?q=" + PercentEncoding.encode("\(tag) 100% cotton_"))
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
            let response = app.get("/products?q=" + PercentEncoding.encode(term))
            Expect.problem(response, 422)
            #expect(Expect.errorFields(response) == ["q"], "\(term): \(response.text)")
        }
        #expect(app.get("/products?q=abc").status == 200)
        #expect(app.get("/products?q=").status == 200)
    }

    @Test func collectionParametersAreValidated() throws {
        for query in ["limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=not-a-cursor", "cursor=", "q=" + String(repeating: "a", count: 201)] {
            let response = app.get("/products?\(query)")
            Expect.problem(response, 422)
        }
        let maxPage = app.get("/products?limit=200")
        #expect(maxPage.status == 200)
    }
}
