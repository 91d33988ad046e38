/// How fresh the synced offers are, as Prometheus gauges for `/metrics`.
///
/// Read from the products table at each scrape rather than reported by the job: the job is
/// a short process that may fail before it could report anything, or not run at all (timer
/// disabled), and both must show. One aggregate over `products` per scrape (every 15 s or
/// so) is cheap next to the job's own writes.
enum OfferFreshness {
    /// The gauges, or nothing when the database does not answer: the pool's own series are
    /// still worth a scrape then, and the 5xx and reconnect series tell the database story.
    static func exposition(_ database: Database) -> String {
        let row: PostgresRow?
        do {
            // Registered products only: the others have no offers to refresh. A product
            // registered but never refreshed counts from its registration.
            row = try database.read { db in
                try db.query("""
                    SELECT floor(extract(epoch FROM max(offers_synced_at)))::bigint,
                           floor(extract(epoch FROM now() - min(coalesce(offers_synced_at, offers_registered_at))))::bigint,
                           count(*)
                    FROM products WHERE offers_registration = 'registered'
                    """).first
            }
        } catch {
            return ""
        }
        guard let row else { return "" }
        var out = ""
        out += "# HELP catalog_offers_registered_products Products registered with the offers service.\n"
        out += "# TYPE catalog_offers_registered_products gauge\n"
        out += "catalog_offers_registered_products \((try? row.int64(2)) ?? 0)\n"
        if let last = try? row.optionalInt64(0) {
            out += "# HELP catalog_offers_last_sync_timestamp_seconds When the most recently refreshed product's offers were written (Unix time): stops moving when the offer sync stops working.\n"
            out += "# TYPE catalog_offers_last_sync_timestamp_seconds gauge\n"
            out += "catalog_offers_last_sync_timestamp_seconds \(last)\n"
        }
        if let age = try? row.optionalInt64(1) {
            out += "# HELP catalog_offers_oldest_sync_age_seconds Age of the least recently refreshed product's offers.\n"
            out += "# TYPE catalog_offers_oldest_sync_age_seconds gauge\n"
            out += "catalog_offers_oldest_sync_age_seconds \(max(age, 0))\n"
        }
        return out
    }
}
