import Core
import Foundation
import Testing

/// Representations change only when their data change (issue 13, item 2): a sync run that
/// finds a product's offers as they are stored rewrites no row and leaves the product's
/// representation and ETag alone, while the check still shows on /metrics.
///
/// "Rewrites no row" is read from PostgreSQL itself: every UPDATE, DELETE or INSERT makes
/// a new row version with a new `xmin`, so equal `xmin`s of the product and of each of its
/// offers before and after a run mean the run wrote none of them. (Per-row rather than
/// pg_stat_user_tables deltas, which other suites running in parallel move too.)
extension OfferSyncTests {
    @Test func anUnchangedOffersSyncRewritesNoRowAndKeepsTheETag() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("unchanged")
        try OfferSync.runSuccessfully()  // registers it
        try Standin.pin(product.uuid, [OfferTriple(id: UUID().uuidString.lowercased(), price: 1999, stock: 4),
                                       OfferTriple(id: UUID().uuidString.lowercased(), price: 2500, stock: 0)])
        try OfferSync.runSuccessfully()  // stores the pinned offers
        let before = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        let etag = try #require(before.header("ETag"))
        let versions = try OfferSync.rowVersions(product.id)
        #expect(versions.count == 3, "the product and its two offers: \(versions)")
        let syncedAt = try OfferSync.offersSyncedAt(product.id)
        let checkedAt = try OfferSync.offersCheckedAt(product.id)
        #expect(checkedAt != nil, "the run recorded its check")
        usleep(1_100_000)  // the API's timestamps have whole seconds: any stamp would show

        let started = Date().timeIntervalSince1970
        let run = try OfferSync.runSuccessfully()
        #expect((run.count("unchanged") ?? 0) >= 1, "\(run.summary)")
        #expect(try OfferSync.rowVersions(product.id) == versions, "no product or offer row was written")
        #expect(try OfferSync.offersSyncedAt(product.id) == syncedAt)
        let after = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        #expect(after.header("ETag") == etag)
        #expect(after.text == before.text, "the same representation, byte for byte")
        #expect(after["updated_at"] == before["updated_at"] && after["offers_synced_at"] == before["offers_synced_at"])
        #expect(try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached + [("If-None-Match", etag)]).status == 304)

        // The check itself is recorded outside the representation, and /metrics shows it.
        let checkedAgain = try #require(try OfferSync.offersCheckedAt(product.id))
        #expect(checkedAgain > (checkedAt ?? .infinity), "checked at \(checkedAgain), before \(String(describing: checkedAt))")
        let metrics = try HTTP.get("/metrics").text
        let last = try #require(ProcessManagerTests.sample(metrics, "catalog_offers_last_sync_timestamp_seconds"))
        #expect(last >= started.rounded(.down), "the last check (\(last)) is this run's (started \(started))")
        let oldest = try #require(ProcessManagerTests.sample(metrics, "catalog_offers_oldest_sync_age_seconds"))
        #expect(oldest <= Date().timeIntervalSince1970 - started + 2, "every registered product checked by the run: \(oldest) s")

        // An admin's conditional write with the ETag read before the run still applies.
        let patched = try HTTP.send("PATCH", "/products/\(product.id)", json: ["description": "still current"],
                                    headers: Auth.admin + [("If-Match", etag)])
        #expect(patched.status == 200, "If-Match with the pre-sync ETag: \(patched.status) \(patched.text)")
    }

    @Test func aChangedPriceChangesTheETagAndStampsOffersSyncedAt() throws {
        defer { try? Standin.reset() }
        let product = try OfferSync.newProduct("reprice")
        try OfferSync.runSuccessfully()  // registers it
        let offer = UUID().uuidString.lowercased(), other = UUID().uuidString.lowercased()
        try Standin.pin(product.uuid, [OfferTriple(id: offer, price: 1000, stock: 5), OfferTriple(id: other, price: 700, stock: 2)])
        try OfferSync.runSuccessfully()
        let before = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        let versions = try OfferSync.rowVersions(product.id)
        let syncedAt = try OfferSync.offersSyncedAt(product.id)
        usleep(1_100_000)

        try Standin.pin(product.uuid, [OfferTriple(id: offer, price: 1250, stock: 5), OfferTriple(id: other, price: 700, stock: 2)])
        let run = try OfferSync.runSuccessfully()
        #expect((run.count("refreshed") ?? 0) >= 1, "\(run.summary)")
        let after = try HTTP.get("/products/\(product.id)", headers: OfferSync.uncached)
        #expect(try OfferSync.apiOffers(product.id).sorted()
            == [OfferTriple(id: offer, price: 1250, stock: 5), OfferTriple(id: other, price: 700, stock: 2)].sorted())
        #expect(after.header("ETag") != before.header("ETag"))
        #expect(after["offers_synced_at"] != before["offers_synced_at"], "stamped: \(String(describing: after["offers_synced_at"]))")
        let syncedAgain = try #require(try OfferSync.offersSyncedAt(product.id))
        #expect(syncedAgain > (syncedAt ?? .infinity), "stamped on change: \(syncedAgain), before \(String(describing: syncedAt))")
        #expect(after["updated_at"] == before["updated_at"], "the product's own data did not change")

        // Exactly the product row and the repriced offer were written; the other offer was not.
        let now = try OfferSync.rowVersions(product.id)
        #expect(now["product"] != versions["product"])
        #expect(now[offer] != versions[offer])
        #expect(now[other] == versions[other])
    }
}
