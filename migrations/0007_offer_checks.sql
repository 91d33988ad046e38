-- Offer sync (issue 13, item 2): representations change only when their data change.
--
-- `products.offers_synced_at` now means "when the product's offers last changed": the job
-- stamps it only when what the offers service returned differs from what is stored, so an
-- unchanged product keeps its representation, its ETag and its row (no new row version
-- every minute). When the job last *checked* a product's offers is operators' business
-- (the freshness gauges on /metrics) and lives here, outside the product row: a column on
-- `products` would rewrite the product row (a new row version, a new xmin) at every check,
-- which is exactly what this change removes.
--
-- One row per registered product, created when the job registers it (the row is written
-- in the statement that locks the product, so a concurrent delete cannot break the
-- foreign key); each successful check updates only `offers_checked_at`. NULL until the
-- first check. Rows go with their product.
CREATE TABLE product_offer_checks (
    product_id        bigint PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    offers_checked_at timestamptz
) WITH (fillfactor = 50);  -- room on each page for HOT updates: a check rewrites no index

-- Products already registered have been checked exactly when they were last synced.
INSERT INTO product_offer_checks (product_id, offers_checked_at)
SELECT id, offers_synced_at FROM products WHERE offers_registration = 'registered';
