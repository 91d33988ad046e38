@testable import Core
import Foundation
import Testing

/// The plan PostgreSQL keeps for `GET /products/{id}`'s statement (`ProductStore.findSQL`),
/// prepared once per connection and run with its generic plan, on an offers table as small
/// as a new installation's or `make bench`'s: 10,000 products, 3 offers for every 100th,
/// built by the real migrations (0001, 0002, 0014) and analysed. The offers must come from
/// an index-only scan of `offers_product_id_idx`, never a sequential scan of every offer
/// (the plan before 0014 on such a table), and the answer is the product's offers.
@Suite struct ProductByIdPlanTests {
    @Test(.timeLimit(.minutes(1))) func offersComeFromAnIndexOnlyScanEvenWhenTheTableIsSmall() throws {
        try TestDatabase.withScratchSchema { db, schema throws in
            // pg_trgm's operator classes (0001's name index) live where the extension was created.
            try db.execute("SET search_path TO \(schema), public")
            try db.execute(DatabaseSessionDefaults.maintenanceSession)
            try db.execute(TestDatabase.migration("0001_products.sql"))
            try db.execute(TestDatabase.migration("0002_offers.sql"))
            try db.execute("INSERT INTO products (name, price) SELECT 'Thing ' || g, 1 FROM generate_series(1, 10000) g")
            try db.execute("""
                INSERT INTO offers (id, product_id, price, items_in_stock)
                SELECT gen_random_uuid(), p.id, 100 + k, k FROM products p, generate_series(1, 3) k WHERE p.id % 100 = 0
                """)
            // In one transaction, as `Migrator.run` applies it; then analysed and vacuumed
            // (the visibility map an index-only scan relies on), as autovacuum would.
            try db.execute("BEGIN; " + TestDatabase.migration("0014_offers_by_product_covering.sql") + "; COMMIT")
            try db.execute("VACUUM ANALYZE products, offers")

            let id = try db.query("SELECT min(product_id) FROM offers").rows[0].int64(0)
            let statement = ProductStore.findSQL(id: id, lock: false)
            #expect(statement.bindings == [String(id)], "the id is the statement's only parameter")
            try db.execute("PREPARE by_id AS " + statement.text)
            try db.execute("SET plan_cache_mode = force_generic_plan")
            let plan = try db.query("EXPLAIN EXECUTE by_id(\(unescaped: String(id)))").rows.map { try $0.string(0) }.joined(separator: "\n")
            #expect(plan.contains("Index Only Scan using offers_product_id_idx on offers"), "\(plan)")
            #expect(!plan.contains("Seq Scan"), "\(plan)")

            try db.execute("RESET plan_cache_mode")
            let found = try #require(try ProductStore.find(db, id: id))
            let offers = try db.query("SELECT id::text FROM offers WHERE product_id = \(id) ORDER BY id").rows.map { try $0.string(0) }
            #expect(found.0.id == id)
            #expect(found.1.map(\.id) == offers && offers.count == 3, "the product's three offers, in id order")
        }
    }
}
