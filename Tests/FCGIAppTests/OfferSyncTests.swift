import Core
import Foundation
import Testing

/// `catalog sync-offers` end to end: the real binary, the test stack's PostgreSQL, the
/// offers stand-in, and what clients then see through nginx (issue 5's "Done when").
///
/// Serialized: every run of the job syncs every product in the database and the stand-in's
/// switches are global, so these tests take turns. Each starts from the stand-in's default
/// switches and puts them back when it ends.
@Suite(.serialized) struct OfferSyncTests {
    init() throws {
        try Standin.reset()
    }

    @Test func aNewProductIsRegisteredOnTheNextRunAndGetsOffers() throws {
        defer { try? Standin.reset() }
        try Standin.control(["drift": false])  // the service's first offers, as they are
        let product = try OfferSync.newProduct("new")
        #expect(try OfferSync.registration(product.id).state == "pending")
        #expect(try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)["offers_synced_at"] == .null)
        #expect(try Standin.offers(product.uuid) == nil, "not known to the service before the run")

        let run = try OfferSync.runSuccessfully()
        #expect(run.summary.hasPrefix("sync-offers: registered="), "one summary line: \(run.summary)")
        #expect((run.count("registered") ?? 0) >= 1)
        for key in ["refreshed", "unchanged", "failed", "seconds"] {
            #expect(run.summary.contains(" \(key)="), "summary has \(key): \(run.summary)")
        }

        let registration = try OfferSync.registration(product.id)
        #expect(registration.state == "registered")
        #expect(registration.attempts == 1)
        #expect(registration.error == nil)
        let served = try #require(try Standin.offers(product.uuid), "registered with the service under its UUID")
        #expect(!served.isEmpty)
        #expect(try OfferSync.apiOffers(product.id).sorted() == served)
        let detail = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        guard case .string(let synced)? = detail["offers_synced_at"] else {
            Issue.record("offers_synced_at not set: \(detail.text)")
            return
        }
        #expect(synced.hasSuffix("Z"))
        #expect(try HTTP.get("/products/\(product.id)/offers", headers: OfferSync.uncached).json == detail["offers"])

        // The next run does not register it again.
        let second = try OfferSync.runSuccessfully()
        #expect(try OfferSync.registration(product.id).attempts == 1, "\(second.summary)")
    }

    /// The offers' freshness on /metrics (what the CatalogOfferSyncFailing and
    /// CatalogOffersStale alerts of deploy/monitoring/catalog-alerts.yml read): a run
    /// moves the last-sync time to about now and leaves no registered product older than it.
    @Test func metricsShowHowFreshTheOffersAre() throws {
        defer { try? Standin.reset() }
        _ = try OfferSync.newProduct("fresh")
        let started = Date().timeIntervalSince1970
        _ = try OfferSync.runSuccessfully()
        let text = try HTTP.get("/metrics").text
        let last = try #require(ProcessManagerTests.sample(text, "catalog_offers_last_sync_timestamp_seconds"), "\(text.suffix(600))")
        #expect(last >= started.rounded(.down) - 1 && last <= Date().timeIntervalSince1970 + 1)
        let registered = try #require(ProcessManagerTests.sample(text, "catalog_offers_registered_products"))
        #expect(registered >= 1)
        let oldest = try #require(ProcessManagerTests.sample(text, "catalog_offers_oldest_sync_age_seconds"))
        // Every registered product was refreshed by the run (none failed: runSuccessfully).
        #expect(oldest >= 0 && oldest <= Date().timeIntervalSince1970 - started + 2, "oldest \(oldest) s")
        #expect(text.contains("# TYPE catalog_offers_oldest_sync_age_seconds gauge"))
    }

    @Test func changedPricesAndVanishedOffersShowAfterTheNextRun() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("change")
        try OfferSync.runSuccessfully()  // registers it

        let keep = UUID().uuidString.lowercased(), vanish = UUID().uuidString.lowercased(), appear = UUID().uuidString.lowercased()
        try Standin.pin(product.uuid, [OfferTriple(id: keep, price: 1000, stock: 5), OfferTriple(id: vanish, price: 2000, stock: 1)])
        try OfferSync.runSuccessfully()
        #expect(try OfferSync.apiOffers(product.id).sorted()
            == [OfferTriple(id: keep, price: 1000, stock: 5), OfferTriple(id: vanish, price: 2000, stock: 1)].sorted())
        let before = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)

        // The price and stock of one offer change, one sells out, a new one appears.
        try Standin.pin(product.uuid, [OfferTriple(id: keep, price: 1250, stock: 3), OfferTriple(id: appear, price: 900, stock: 7)])
        let run = try OfferSync.runSuccessfully()
        #expect((run.count("refreshed") ?? 0) >= 1, "\(run.summary)")
        let after = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        #expect(try OfferSync.apiOffers(product.id).sorted()
            == [OfferTriple(id: keep, price: 1250, stock: 3), OfferTriple(id: appear, price: 900, stock: 7)].sorted())
        #expect(after.header("ETag") != before.header("ETag"))

        // Nothing changed at the service: the offers (and their updated_at) stay as they are.
        let unchangedRun = try OfferSync.runSuccessfully()
        #expect((unchangedRun.count("unchanged") ?? 0) >= 1, "\(unchangedRun.summary)")
        #expect(try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)["offers"] == after["offers"])
    }

    @Test func offersThatDriftOnTheirOwnAreFollowedRunAfterRun() throws {
        let product = try OfferSync.newProduct("drift")
        for _ in 0..<3 {
            try OfferSync.runSuccessfully()
            // What the service answered last is what clients see now.
            #expect(try OfferSync.apiOffers(product.id).sorted() == Standin.offers(product.uuid))
        }
    }

    @Test func theAccessTokenIsReusedAcrossRunsAndRenewedAfterExpiry() throws {
        defer { try? OfferSync.forgetTokens(); try? Standin.reset() }
        try OfferSync.newProduct("token")
        try OfferSync.forgetTokens()
        try Standin.control(["token_lifetime": 4])

        let issued = try Standin.stat("auth_issued")
        try OfferSync.runSuccessfully()
        #expect(try Standin.stat("auth_issued") == issued + 1, "no stored token: the first run asks for one")
        let first = try #require(try OfferSync.storedToken(), "the token is stored for the next run")

        let unauthorized = try Standin.stat("unauthorized")
        try OfferSync.runSuccessfully()
        #expect(try Standin.stat("auth_issued") == issued + 1, "the second run reuses the stored token")
        #expect(try OfferSync.storedToken()?.value == first.value)

        // Past its expiry the next run asks for a new one up front (no 401 first).
        let wait = first.expiresAt - Date().timeIntervalSince1970 + 0.3
        if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        try OfferSync.runSuccessfully()
        #expect(try Standin.stat("auth_issued") == issued + 2, "renewed after expiry")
        #expect(try Standin.stat("unauthorized") == unauthorized, "renewed before use, not after a 401")
        #expect(try OfferSync.storedToken()?.value != first.value)
    }

    @Test func aTokenRefusedMidRunIsRenewedOnceAndTheRunRecovers() throws {
        defer { try? Standin.reset() }
        let products = [try OfferSync.newProduct("auth401"), try OfferSync.newProduct("auth401")]
        try OfferSync.runSuccessfully()
        // Whether a product was handled shows in its check time (its offers may or may not
        // have drifted, so offers_synced_at need not move).
        let checkedBefore = try products.map { try OfferSync.offersCheckedAt($0.id) }

        // The service revokes the token after two more calls: the run meets 401s mid-way.
        try Standin.control(["revoke_token_after_calls": 2])
        let issued = try Standin.stat("auth_issued")
        let unauthorized = try Standin.stat("unauthorized")
        let run = try OfferSync.run()
        #expect(run.status == 0, "\(run)")
        #expect(run.count("failed") == 0, "\(run.summary)")
        #expect(try Standin.stat("unauthorized") > unauthorized, "the run did meet a 401")
        #expect(try Standin.stat("auth_issued") == issued + 1, "and re-authenticated exactly once")
        for (product, before) in zip(products, checkedBefore) {
            #expect(try OfferSync.offersCheckedAt(product.id).map { $0 > (before ?? .infinity) } == true, "product \(product.id) checked")
            #expect(try OfferSync.apiOffers(product.id).sorted() == Standin.offers(product.uuid))
        }
    }

    @Test func aValidTokenHeldElsewhereIsReportedClearly() throws {
        defer { try? OfferSync.forgetTokens() }
        try OfferSync.newProduct("held")
        try OfferSync.runSuccessfully()  // the stand-in now has a valid token
        try TestStack.database().query("DELETE FROM offers_access_tokens")  // ... that we no longer have

        let issued = try Standin.stat("auth_issued")
        let before = try OfferSync.snapshot()
        let run = try OfferSync.run()
        #expect(run.status == 1, "\(run)")
        #expect(run.summary.contains("status=failed"))
        #expect(run.summary.contains("another one is still valid") && run.summary.contains("none is stored"), "\(run.summary)")
        #expect(try Standin.stat("auth_issued") == issued, "asked once, did not loop")
        #expect(try Standin.stat("auth_refused_still_valid") >= 1)
        #expect(try OfferSync.snapshot() == before)
    }

    /// A service that times out, fails or answers garbage: previous offers stay, the run
    /// says what went wrong and exits non-zero (so systemd marks it failed).
    @Test(arguments: [
        Fault(name: "timeout", switches: ["latency_ms": 1500], timeout: "0.3", reason: "timed out after 0.3 s"),
        Fault(name: "HTTP 500", switches: ["error_rate": 1], timeout: nil, reason: "server error (500)"),
        Fault(name: "malformed JSON", switches: ["malformed_rate": 1], timeout: nil, reason: "malformed response"),
    ])
    func aFailingServiceLeavesPreviousOffersIntact(fault: Fault) throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("fault")
        try OfferSync.runSuccessfully()
        let offersBefore = try OfferSync.apiOffers(product.id)
        let before = try OfferSync.snapshot()

        try Standin.control(fault.switches)
        let started = Date()
        let run = try OfferSync.run(environment: ["OFFERS_TIMEOUT_SECONDS": fault.timeout])
        let seconds = Date().timeIntervalSince(started)
        #expect(run.status == 1, "\(fault.name): \(run)")
        #expect((run.count("failed") ?? 0) >= 1, "\(run.summary)")
        #expect(run.count("refreshed") == 0 && run.count("unchanged") == 0, "\(run.summary)")
        #expect(run.summary.contains("status=failed reasons=\""), "\(run.summary)")
        #expect(run.summary.contains(fault.reason), "\(fault.name): \(run.summary)")
        #expect(seconds < 20, "a failing service does not hold the run: \(seconds) s")
        #expect(try OfferSync.snapshot() == before, "\(fault.name): every product's previous offers are intact")
        #expect(try OfferSync.apiOffers(product.id) == offersBefore)

        // Once the service is back, the next run succeeds.
        try Standin.reset()
        try OfferSync.runSuccessfully()
    }

    @Test func twoConcurrentRunsDoNotBothSync() throws {
        defer { try? Standin.reset() }
        try OfferSync.newProduct("lock")
        try OfferSync.runSuccessfully()
        try Standin.control(["latency_ms": 150])  // the first run takes a while

        let first = try OfferSync.start()
        let db = try TestStack.database()
        let deadline = Date().addingTimeInterval(10)
        func lockHeld() throws -> Bool {
            try db.query("SELECT count(*) FROM offer_sync_lease WHERE expires_at > now()").first!.int64(0) > 0
        }
        while try !lockHeld(), Date() < deadline, first.process.isRunning { usleep(20_000) }
        try #require(try lockHeld(), "the first run holds the lease")

        let served = try Standin.stat("offers_served")
        let second = try OfferSync.run()
        #expect(second.status == 0, "a run that finds another at work succeeds without doing anything: \(second)")
        #expect(second.summary.hasPrefix("sync-offers: skipped"), "\(second.summary)")
        #expect(second.summary.contains("another sync-offers run holds the lock"))

        let firstRun = try first.finish()
        #expect(firstRun.status == 0, "\(firstRun)")
        #expect((firstRun.count("refreshed") ?? 0) + (firstRun.count("unchanged") ?? 0) >= 1, "\(firstRun.summary)")
        let fetched = try Standin.stat("offers_served") - served
        #expect(fetched <= (firstRun.count("refreshed") ?? 0) + (firstRun.count("unchanged") ?? 0),
                "only the first run fetched offers: \(fetched) since the second started; first: \(firstRun.summary)")
        #expect(try !lockHeld(), "the lease is given back at the end")
        let third = try OfferSync.run()
        #expect(third.status == 0 && third.summary.hasPrefix("sync-offers: registered="), "and the next run does the work: \(third)")
    }

    /// A run killed while it holds the lease cannot block the job forever: the lease
    /// lasts the run's deadline plus a margin, and a later run takes an expired lease.
    @Test func aKilledRunsLeaseExpiresAndTheNextRunTakesIt() throws {
        defer { try? Standin.reset() }
        try OfferSync.newProduct("killed")
        try Standin.control(["latency_ms": 300])
        let db = try TestStack.database()
        let first = try OfferSync.start([], environment: ["OFFERS_SYNC_DEADLINE_SECONDS": "30"])
        #expect(try PM.waitUntil(10) {
            try db.query("SELECT count(*) FROM offer_sync_lease").first!.int64(0) == 1
        }, "the run took the lease")
        kill(first.process.processIdentifier, SIGKILL)
        _ = try? first.finish()
        let lease = try #require(try db.query("""
            SELECT extract(epoch FROM expires_at - taken_at)::int, holder FROM offer_sync_lease
            """).first)
        #expect(try lease.int64(0) == 30 + Int64(OfferSyncJob.leaseMarginSeconds), "bounded by the deadline and margin")
        try Standin.reset()
        #expect(try OfferSync.run().summary.hasPrefix("sync-offers: skipped"), "while it lasts, the dead run's lease holds")

        try db.query("UPDATE offer_sync_lease SET expires_at = now() - interval '1 second'")  // its time has come
        let next = try OfferSync.run()
        #expect(next.status == 0 && next.summary.hasPrefix("sync-offers: registered="), "\(next)")
        #expect(try db.query("SELECT count(*) FROM offer_sync_lease").first!.int64(0) == 0, "and gives it back")
    }

    @Test func deletingAProductDeletesItsOffers() throws {
        defer { try? Standin.reset() }
        try Standin.control(["drift": false])
        let product = try OfferSync.newProduct("delete")
        try OfferSync.runSuccessfully()
        let db = try TestStack.database()
        let count: SQL = "SELECT count(*) FROM offers WHERE product_id = \(product.id)"
        #expect(try db.query(count).first!.int64(0) > 0)

        #expect(try HTTP.send("DELETE", "/products/\(product.id)", headers: Auth.admin).status == 204)
        #expect(try db.query(count).first!.int64(0) == 0, "ON DELETE CASCADE")
        Fixtures.expectProblem(try HTTP.get("/products/\(product.id)/offers", headers: OfferSync.uncached), 404)
        try OfferSync.runSuccessfully()  // the next run is not confused by it
        #expect(try db.query(count).first!.int64(0) == 0)
    }

    @Test func aProductTheServiceForgotIsRegisteredAgain() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("forgot")
        try OfferSync.runSuccessfully()
        try Standin.control(["forget_products": [.string(product.uuid)]])
        #expect(try Standin.offers(product.uuid) == nil)

        let run = try OfferSync.runSuccessfully()
        #expect((run.count("registered") ?? 0) >= 1, "\(run.summary)")
        #expect(try OfferSync.registration(product.id).state == "registered")
        #expect(try OfferSync.apiOffers(product.id).sorted() == Standin.offers(product.uuid))
    }

    @Test func badConfigurationIsRefusedWithClearMessages() throws {
        let missing = try OfferSync.run(environment: ["OFFERS_BASE_URL": nil, "OFFERS_REFRESH_TOKEN": nil])
        #expect(missing.status == 78, "\(missing)")
        #expect(missing.stderr.contains("OFFERS_BASE_URL: is required"))
        #expect(missing.stderr.contains("OFFERS_REFRESH_TOKEN: is required"))

        let both = try OfferSync.run(environment: ["OFFERS_REFRESH_TOKEN_FILE": "/nonexistent/token", "OFFERS_BASE_URL": "ftp://x"])
        #expect(both.status == 78)
        #expect(both.stderr.contains("both set"), "\(both.stderr)")
        #expect(both.stderr.contains("must be an http:// or https:// URL"))

        let unreadable = try OfferSync.run(environment: ["OFFERS_REFRESH_TOKEN": nil, "OFFERS_REFRESH_TOKEN_FILE": "/nonexistent/token"])
        #expect(unreadable.status == 78)
        #expect(unreadable.stderr.contains("cannot read /nonexistent/token"))

        let concurrency = try OfferSync.run(["--concurrency", "0"])
        #expect(concurrency.status == 64)
        #expect(concurrency.stderr.contains("--concurrency must be from 1 to 64"))
    }
}

/// One way for the offers service to fail.
struct Fault: Sendable, CustomTestStringConvertible {
    let name: String
    let switches: JSONValue
    /// `OFFERS_TIMEOUT_SECONDS` for the run (`nil`: the stack's default).
    let timeout: String?
    /// What the summary must say.
    let reason: String
    var testDescription: String { name }
}
