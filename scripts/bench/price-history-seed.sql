-- One product with 30 days of offer price history for `make bench` (scripts/bench.sh):
-- 5 offers, each changing every minute (216,000 events), written into offer_price_events
-- as the offer sync writes it (each event with the offers in force after it; the table's
-- trigger keeps the hourly roll-ups), and its offers as the last of those minutes left
-- them. Prints the product's id.
-- Seeding 216,000 events takes longer than the role's statement_timeout on a busy machine.
SET statement_timeout = 0;
SELECT count(offer_price_history_add_partitions((now() AT TIME ZONE 'UTC')::date - d)) FROM generate_series(1, 31) AS d \g /dev/null
WITH product AS (
    INSERT INTO products (name, description, price) VALUES ('Price history bench', 'Seeded history', 10) RETURNING id
), offers AS (
    SELECT gen_random_uuid() AS id, n FROM generate_series(1, 5) AS n
), prices AS (
    SELECT p.id AS product_id, m, o.id AS offer_id, 1000 + o.n * 10 + (m * 7 + o.n) % 97 AS price, (m + o.n) % 20 AS stock
    FROM product p, offers o, generate_series(1, 30 * 1440) AS m
), events AS (
    INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock, in_force_offers, in_force_price_sum)
    SELECT product_id, date_trunc('minute', now()) - make_interval(mins => m), offer_id,
           CASE WHEN m = 30 * 1440 THEN 'appeared' ELSE 'changed' END, price, stock,
           5, sum(price) OVER (PARTITION BY m)
    FROM prices
), current AS (
    INSERT INTO offers (id, product_id, price, items_in_stock)
    SELECT offer_id, product_id, price, stock FROM prices WHERE m = 1
)
SELECT id FROM product;
VACUUM ANALYZE offer_price_events, offer_price_hourly, offer_price_days, offers;
