-- GET /products/{id} reads the product with its offers in one statement (ProductStore.find):
-- the offers by `product_id`. The index on (product_id, id) found them, but each offer's
-- row still had to be read from the table, and while the offers table is small (a few
-- pages: a new installation, or `make bench`'s 300 offers) the planner's cheapest plan was
-- a sequential scan of every offer on every read (measured, 10,000 products: the by-id
-- statement at 20,500-25,600 reads/s in pgbench against 29,300-32,400 with the index
-- below; PostgreSQL's CPU per signed-in by-id read through nginx 96-102 µs against
-- 79-88 µs).
--
-- The index now carries every column the read returns, so the offers come from an
-- index-only scan, the cheapest plan at any size. What it costs: a sync that changes an
-- offer's price, stock or time writes a new index entry too (those columns are in the
-- index, so the update is no longer HOT); the sync writes only offers that changed
-- (0007), and reads outnumber those writes by far.
--
-- Built before the old one is dropped: CREATE INDEX blocks writes to offers (the sync
-- waits) but not reads; DROP INDEX takes an exclusive lock only until the commit that
-- follows at once. The new index takes the old one's name.
CREATE INDEX offers_product_id_covering_idx ON offers (product_id, id) INCLUDE (price, items_in_stock, updated_at);
DROP INDEX offers_product_id_idx;
ALTER INDEX offers_product_id_covering_idx RENAME TO offers_product_id_idx;
