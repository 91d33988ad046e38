import Core
import Foundation
import Testing

/// nginx's response cache in front of the public reads (`deploy/nginx.conf`, "response
/// cache"; `ResponseCachePolicy`), through the real stack: what is stored, what passes it
/// by, how long a write stays invisible, and that nothing per-request is replayed.
///
/// The stale-during-an-outage test stops PostgreSQL, so it lives in `FaultsTests`.
@Suite(.serialized) struct ResponseCacheTests {
    /// `s-maxage` and `stale-if-error` as the service announced them on `response`: the
    /// bounds the tests hold it to are the ones it states, whatever the stack's settings.
    static func cacheSeconds(_ response: HTTPResult) throws -> (maxAge: Double, maxStale: Double) {
        let control = try #require(response.header("Cache-Control"), "a cacheable answer says so")
        func directive(_ name: String) -> Double? {
            control.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(name + "=") }.flatMap { Double($0.dropFirst(name.count + 1)) }
        }
        return (try #require(directive("s-maxage")), try #require(directive("stale-if-error")))
    }

    /// nginx keeps expiry times in whole seconds and treats an entry as fresh through its
    /// last second, so an answer stored at 10.9 s with `s-maxage=1` is fresh until 12 s.
    static let wholeSecond = 1.0
    /// The one background request that refreshes an expired entry: its round trip through
    /// a worker and PostgreSQL, on a busy 2-core machine.
    static let refresh = 0.5

    private static func product(_ label: String) throws -> Int64 {
        try Fixtures.createProduct(name: TestStack.uniqueTag(label))
    }

    private static func name(_ response: HTTPResult) -> String? {
        if case .string(let name)? = response["name"] { return name }
        return nil
    }

    @Test func anAnonymousReadIsStoredThenServedFromTheCache() throws {
        let id = try Self.product("cached")
        let first = try HTTP.get("/products/\(id)")
        #expect(first.status == 200)
        #expect(first.header("X-Cache-Status") == "MISS")
        #expect(first.header("Cache-Control")?.hasPrefix("public, s-maxage=") == true, "\(String(describing: first.header("Cache-Control")))")
        let second = try HTTP.get("/products/\(id)")
        #expect(second.status == 200)
        #expect(second.header("X-Cache-Status") == "HIT")
        #expect(second.body == first.body && second.header("ETag") == first.header("ETag"))

        // HEAD is stored under a key of its own: a GET after it still gets the body.
        let head = try HTTP.send("HEAD", "/products/\(id)/offers")
        #expect(head.status == 200 && head.body.isEmpty)
        let offers = try HTTP.get("/products/\(id)/offers")
        #expect(offers.status == 200 && offers.text == "[]", "\(offers.text)")
        #expect(offers.header("X-Cache-Status") == "MISS")
    }

    @Test func credentialsAndNoCacheBypassTheCacheAndAreNeverStored() throws {
        let id = try Self.product("bypass")
        _ = try HTTP.get("/products/\(id)")
        #expect(try HTTP.get("/products/\(id)").header("X-Cache-Status") == "HIT")

        let signedIn = try HTTP.get("/products/\(id)", headers: Auth.admin)
        #expect(signedIn.status == 200)
        #expect(signedIn.header("X-Cache-Status") == "BYPASS")
        #expect(signedIn.header("Cache-Control") == "private")
        // Any Authorization, valid or not, passes the cache by.
        let badToken = try HTTP.get("/products/\(id)", headers: [("Authorization", "Bearer nonsense")])
        #expect(badToken.header("X-Cache-Status") == "BYPASS" && badToken.header("Cache-Control") == "private")
        let refresh = try HTTP.get("/products/\(id)", headers: [("Cache-Control", "no-cache")])
        #expect(refresh.status == 200 && refresh.header("X-Cache-Status") == "BYPASS")

        // A signed-in reader sees a write at once, while anonymous readers still get the entry.
        let renamed = TestStack.uniqueTag("renamed")
        #expect(try HTTP.send("PATCH", "/products/\(id)", json: ["name": .string(renamed)], headers: Auth.admin).status == 200)
        #expect(Self.name(try HTTP.get("/products/\(id)", headers: Auth.admin)) == renamed)
        #expect(Self.name(try HTTP.get("/products/\(id)", headers: [("Cache-Control", "no-cache")])) == renamed)
    }

    @Test func aChangeIsVisibleToAnonymousReadersWithinTheBound() throws {
        let id = try Self.product("change")
        let warm = try HTTP.get("/products/\(id)")
        let stored = Date()
        let (maxAge, _) = try Self.cacheSeconds(warm)
        let renamed = TestStack.uniqueTag("changed")
        #expect(try HTTP.send("PATCH", "/products/\(id)", json: ["name": .string(renamed)], headers: Auth.admin).status == 200)
        let bound = maxAge + Self.wholeSecond + Self.refresh
        var seen: Double?
        while Date().timeIntervalSince(stored) < bound + 5 {
            let asked = Date()  // when the reader asked, which the bound is about
            if Self.name(try HTTP.get("/products/\(id)")) == renamed { seen = asked.timeIntervalSince(stored); break }
            usleep(50_000)
        }
        let after = try #require(seen, "the change never became visible")
        print("response cache: a change was visible to anonymous readers asking \(String(format: "%.2f", after)) s after the entry was stored (bound \(bound) s)")
        #expect(after <= bound, "visible after \(after) s, bound \(bound) s")
    }

    @Test func aDeletedProductStopsBeingServedWithinTheBound() throws {
        let id = try Self.product("deleted")
        let warm = try HTTP.get("/products/\(id)")
        let stored = Date()
        let (maxAge, maxStale) = try Self.cacheSeconds(warm)
        #expect(try HTTP.send("DELETE", "/products/\(id)", headers: Auth.admin).status == 204)
        let bound = maxAge + maxStale + Self.wholeSecond + Self.refresh
        var gone: Double?
        var statuses: Set<Int> = []
        while Date().timeIntervalSince(stored) < bound + 5 {
            let asked = Date()
            let response = try HTTP.get("/products/\(id)")
            statuses.insert(response.status)
            if response.status == 404 { gone = asked.timeIntervalSince(stored); break }
            usleep(100_000)
        }
        let after = try #require(gone, "still served: \(statuses)")
        print("response cache: a deleted product was 404 to anonymous readers asking \(String(format: "%.2f", after)) s after its entry was stored (bound \(bound) s)")
        #expect(after <= bound, "404 after \(after) s, bound \(bound) s")
        #expect(statuses.isSubset(of: [200, 404]), "\(statuses)")
        #expect(try HTTP.get("/products/\(id)", headers: Auth.admin).status == 404, "a signed-in reader sees the deletion at once")
    }

    @Test func everyCachedAnswerCarriesItsOwnRequestIDTheOneNginxLogs() throws {
        let id = try Self.product("rid")
        _ = try HTTP.get("/products/\(id)")
        var ids: [String] = []
        for _ in 0..<3 {
            let hit = try HTTP.get("/products/\(id)?probe=\(TestStack.uniqueTag("rid"))")
            #expect(hit.header("X-Cache-Status") == "HIT")
            #expect(hit.headers(named: "X-Request-ID").count == 1, "one id, not the stored one as well")
            ids.append(try #require(hit.header("X-Request-ID")))
        }
        #expect(Set(ids).count == 3, "a fresh id on each: \(ids)")
        let sent = "cache-probe-" + TestStack.uniqueTag("")
        let echoed = try HTTP.get("/products/\(id)", headers: [("X-Request-ID", sent)])
        #expect(echoed.header("X-Cache-Status") == "HIT" && echoed.header("X-Request-ID") == sent)

        // nginx's access log has each of these ids (buffered: flushed within a second).
        let log = TestStack.required("CATALOG_NGINX_ACCESS_LOG")
        var missing = Set(ids + [sent])
        for _ in 0..<40 where !missing.isEmpty {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            missing = missing.filter { !text.contains("request_id=\($0) ") }
            if !missing.isEmpty { usleep(100_000) }
        }
        #expect(missing.isEmpty, "not in nginx's access log: \(missing)")
    }

    @Test func junkQueryParametersMapToOneEntry() throws {
        let tag = TestStack.uniqueTag("junk")
        _ = try Self.product(tag)
        let first = try HTTP.get("/products?limit=3&q=\(tag)")
        #expect(first.status == 200 && first.header("X-Cache-Status") == "MISS")
        for query in ["q=\(tag)&limit=3", "limit=3&utm_source=x&q=\(tag)", "junk=\(TestStack.uniqueTag(""))&q=\(tag)&limit=3&cursor_x=1"] {
            let again = try HTTP.get("/products?\(query)")
            #expect(again.header("X-Cache-Status") == "HIT", "\(query): \(String(describing: again.header("X-Cache-Status")))")
            #expect(again.body == first.body)
        }
        // Names the application and nginx's $arg_ read differently never touch the cache.
        for query in ["LIMIT=1&q=\(tag)&limit=3", "%6Cimit=1&q=\(tag)&limit=3"] {
            let odd = try HTTP.get("/products?\(query)")
            #expect(odd.status == 200 && odd.header("X-Cache-Status") == "BYPASS", "\(query)")
        }
        // A different value of a parameter the route reads is a different entry.
        #expect(try HTTP.get("/products?limit=2&q=\(tag)").header("X-Cache-Status") == "MISS")
    }

    /// nginx's $arg_NAME is empty both for `?cursor=` and for no cursor at all, but the
    /// application answers the first with a 422: such a query never uses the cache, even
    /// right after the plain list was stored.
    @Test func anEmptyParameterIsNotAnAbsentOne() throws {
        _ = try HTTP.get("/products")
        #expect(try HTTP.get("/products").header("X-Cache-Status") == "HIT")
        for query in ["cursor=", "limit=", "limit=5&cursor="] {
            let response = try HTTP.get("/products?\(query)")
            Fixtures.expectProblem(response, 422)
            #expect(response.header("X-Cache-Status") == "BYPASS", "\(query)")
        }
    }

    @Test func oneEntryServesGzipAndPlainClients() throws {
        // The OpenAPI document is far above gzip_min_length: nginx compresses it on the way out.
        let plain = try HTTP.get("/openapi.json")
        let gzip = try HTTP.get("/openapi.json", headers: [("Accept-Encoding", "gzip")])
        let plainAgain = try HTTP.get("/openapi.json")
        #expect(plain.status == 200 && gzip.status == 200)
        #expect(gzip.header("X-Cache-Status") == "HIT" && plainAgain.header("X-Cache-Status") == "HIT",
                "\(String(describing: gzip.header("X-Cache-Status"))) \(String(describing: plainAgain.header("X-Cache-Status")))")
        #expect(gzip.header("Content-Encoding") == "gzip" && Array(gzip.body.prefix(2)) == [0x1F, 0x8B])
        #expect(plainAgain.header("Content-Encoding") == nil)
        #expect(plainAgain.body == plain.body && (try? plainAgain.json) != nil)
    }
}
