/// How fresh the synced offers are, as Prometheus gauges for `/metrics`.
///
/// Read from the products table at each scrape rather than reported by the job: the job is
/// a short process that may fail before it could report anything, or not run at all (timer
/// disabled), and both must show. One aggregate over `products` per scrape (every 15 s or
/// so) is cheap next to the job's own writes.
///
/// Freshness is about the job's *checks* (`product_offer_checks.offers_checked_at`: the
/// last time the job fetched a product's offers and stored or confirmed them), not about
/// `products.offers_synced_at`, which moves only when the offers change: a product whose
/// offers stay the same for a day is fresh, not stale.
enum OfferFreshness {
    /// The gauges, or nothing when the database does not answer: the pool's own series are
    /// still worth a scrape then, and the 5xx and reconnect series tell the database story.
    static func exposition(_ database: Database) -> String {
        let row: PostgresRow?
        do {
            // Registered products only: the others have no offers to refresh. A product
            // registered but never checked counts from its registration.
            row = try database.read { db in
                try db.query("""
                    SELECT floor(extract(epoch FROM max(c.offers_checked_at)))::bigint,
                           floor(extract(epoch FROM now() - min(coalesce(c.offers_checked_at, p.offers_registered_at))))::bigint,
                           count(*)
                    FROM products p LEFT JOIN product_offer_checks c ON c.product_id = p.id
                    WHERE p.offers_registration = 'registered'
                    """).first
            }
        } catch {
            return ""
        }
        guard let row, let figures = try? row.decode((Int64?, Int64?, Int64).self) else { return "" }
        let (last, oldestAge, registered) = figures
        var out = ""
        out += "# HELP catalog_offers_registered_products Products registered with the offers service.\n"
        out += "# TYPE catalog_offers_registered_products gauge\n"
        out += "catalog_offers_registered_products \(registered)\n"
        if let last {
            out += "# HELP catalog_offers_last_sync_timestamp_seconds When the offer sync last checked a product's offers, i.e. fetched them and stored or confirmed them (Unix time): stops moving when the offer sync stops working.\n"
            out += "# TYPE catalog_offers_last_sync_timestamp_seconds gauge\n"
            out += "catalog_offers_last_sync_timestamp_seconds \(last)\n"
        }
        if let age = oldestAge {
            out += "# HELP catalog_offers_oldest_sync_age_seconds Seconds since the least recently checked product's offers were checked (changed or not).\n"
            out += "# TYPE catalog_offers_oldest_sync_age_seconds gauge\n"
            out += "catalog_offers_oldest_sync_age_seconds \(max(age, 0))\n"
        }
        return out
    }
}
