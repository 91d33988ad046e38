-- Search that scales (issue 13, item 3). `?q=` is a case-insensitive substring match of the
-- name, asked as `lower(name) LIKE '%' || lower(term) || '%'`, and PostgreSQL chooses per
-- term between two plans (measured on 1,000,000 products, see README "Search"):
--
--   * a common term: walk the primary key in id order and stop at the page size — a few
--     thousand rows; the trigram index would fetch and sort every match;
--   * a rare or absent term: the trigram index below, then sort the few matches.
--
-- The choice needs the term's real frequency. The planner estimates LIKE on an indexed
-- expression from the expression's own statistics (ANALYZE samples lower(name) because
-- this index exists); at the default target (100) every term below 1 % looks equally rare,
-- so common terms took the index and sorted thousands of rows. A target of 1,000 tells
-- 0.1 % from 0.01 %, at ~1 ms of planning per search.
--
-- The index is on an expression, so every row written by any path (the API, the seed of
-- `make bench`, psql) is indexed by the database itself. It replaces the index on `name`
-- of 0001, which served ILIKE but had no statistics of its own.
DROP INDEX IF EXISTS products_name_trgm_idx;
-- fastupdate off: with GIN's default pending list, every search also scans every name
-- inserted since the last vacuum, one by one (measured on 1M products: 8,000 inserted rows
-- took an absent term from 0.03 to 1.35 ms); each insert pays for its index entries instead.
CREATE INDEX products_name_lower_trgm_idx ON products USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off);
ALTER INDEX products_name_lower_trgm_idx ALTER COLUMN 1 SET STATISTICS 1000;
ANALYZE products;
