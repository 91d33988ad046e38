import Core
import Testing

/// `GET /products/{id}/price-history` and `/price-trend` through nginx: reachable, and
/// cached apart per range. Their behaviour over known histories is
/// `RouteTests/PriceHistoryRouteTests` (in-process); what the sync records is in
/// `OfferSyncTests+PriceHistory.swift`.
@Suite struct PriceHistoryAPITests {
    @Test func anonymousReadsOfDifferentRangesAreCachedApart() throws {
        // nginx's cache key names the parameters these routes read (deploy/nginx.conf).
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("cache-key"))
        for bucket in ["minute", "hour", "day", "minute"] {
            let response = try HTTP.get("/products/\(id)/price-history?bucket=\(bucket)")
            #expect(response.status == 200)
            #expect(response["bucket"] == .string(bucket), "\(response.header("X-Cache-Status") ?? "-"): \(response.text)")
        }
        for period in ["1h", "7d", "1h"] {
            let response = try HTTP.get("/products/\(id)/price-trend?period=\(period)")
            #expect(response.status == 200)
            #expect(response["period"] == .string(period))
        }
    }
}
