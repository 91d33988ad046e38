-- Search's common terms at half the cost (issue 13, item 3): the lowered name kept in a
-- stored generated column instead of computed on every row a search walks.
--
-- A common term walks `products_pkey` and filters each row until a page is full (~2,150
-- rows for a 1 % term, docs/SEARCH.md); `lower(name)` on each of them was about half of
-- that walk. Measured on 1,000,000 products (pgbench, `copper`, first page, -c4): 1,290-
-- 1,350 → 2,540-2,570 searches/s. The column is written by PostgreSQL on every insert and
-- update of `name`, whichever path writes the row, and the trigram index and the
-- statistics of 0008 move onto it (a column's statistics serve `LIKE` estimates as the
-- expression's did). The API never returns it (`Product.columns` names its columns).
--
-- Adding a stored column rewrites the table under an exclusive lock: on this 2-core
-- machine ~15 s for 1,000,000 products and ~10 s more to build the index, during which
-- products can be neither read nor written. Apply it at a quiet moment on a large table.
ALTER TABLE products ADD COLUMN name_lower text GENERATED ALWAYS AS (lower(name)) STORED;
DROP INDEX products_name_lower_trgm_idx;
-- fastupdate off, as in 0008: each insert pays for its index entries, searches never scan
-- a pending list.
CREATE INDEX products_name_lower_trgm_idx ON products USING gin (name_lower gin_trgm_ops) WITH (fastupdate = off);
ALTER TABLE products ALTER COLUMN name_lower SET STATISTICS 1000;
ANALYZE products;
