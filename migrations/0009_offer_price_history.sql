-- Offer price history (issue 16, item 1): what the offer sync saw change, kept for
-- `GET /products/{id}/price-history` and `/price-trend`.
--
-- One row per offer and change: `appeared` (an offer the product did not have),
-- `changed` (its price or stock moved), `disappeared` (gone from the service's answer;
-- no price or stock then). The sync appends these in the statement that updates the
-- product's offers (`OfferSyncStore.replaceOffers`), so history and offers never
-- disagree, and only on a change: a run that finds the offers as stored writes nothing
-- here either. Prices are the offers table's: the service's integer amounts (bigint).
--
-- Built for time-range reads of one product: partitioned by day (UTC) on the event time,
-- so a read touches only the days it asks for, and retention drops whole days
-- (`CATALOG_PRICE_HISTORY_RETENTION_DAYS`, default 90) instead of deleting rows. The job
-- creates the coming days' partitions ahead and detaches (CONCURRENTLY) and drops the
-- expired ones at the start of every run (`PriceHistoryPartitions`); neither waits on a
-- long lock. Hourly roll-ups (`offer_price_hourly`, below) serve the coarser reads. There is no default partition: its presence would make every new
-- partition scan it under lock.
--
-- No foreign key to products: a partition that references `products` would lock that
-- table whenever a partition is attached or dropped. A deleted product's history is
-- unreachable (the API answers 404 for it and ids are never reused) and goes with the
-- retention.
CREATE TABLE offer_price_events (
    product_id     bigint NOT NULL,
    at             timestamptz NOT NULL,
    offer_id       uuid NOT NULL,
    kind           text NOT NULL CONSTRAINT offer_price_events_kind_check
                   CHECK (kind IN ('appeared', 'changed', 'disappeared')),
    price          bigint CONSTRAINT offer_price_events_price_check CHECK (price >= 0),
    items_in_stock integer CONSTRAINT offer_price_events_stock_check CHECK (items_in_stock >= 0),
    -- The product's offers in force once the sync that wrote this event was done (the
    -- same on every event of that sync): how many, and the sum of their prices (numeric:
    -- a sum of bigints could overflow). The mean price in force at any moment is then one
    -- probe, the product's latest event at or before it, instead of a walk over every
    -- offer's history (price-trend's start; its end is the offers table, written in the
    -- same statement).
    in_force_offers    integer NOT NULL CONSTRAINT offer_price_events_in_force_check CHECK (in_force_offers >= 0),
    in_force_price_sum numeric NOT NULL,
    -- A price and stock exactly when the offer is (still) there.
    CONSTRAINT offer_price_events_values_check
        CHECK ((kind = 'disappeared') = (price IS NULL) AND (price IS NULL) = (items_in_stock IS NULL))
) PARTITION BY RANGE (at);

-- The history of one product over a time range, and its latest event before a moment:
-- both reads walk this index. A unique index rather than a primary key, here and on the
-- roll-ups: `pg_restore --clean` (the README's restore) cannot drop a partition's
-- inherited primary-key constraint and fails; an index goes with its table.
CREATE UNIQUE INDEX offer_price_events_key ON offer_price_events (product_id, at, offer_id);

-- Hourly roll-ups of the events, per product: what `bucket=hour` and `bucket=day` read.
-- Measured: a month of one product's history with 5 offers changing every minute
-- (216,000 events) took ~500 ms to aggregate into hours from the events, far from the
-- 20 ms target; from these 720 rows it takes a few. Kept by a trigger on the events
-- (below), so whatever writes an event (the sync, a bench seed) writes its roll-up in
-- the same statement. `offer_ids` holds the distinct offers with a recorded price in the
-- hour, so a day's distinct offers are the union of its hours'; `price_sum` is numeric
-- (a sum of bigint prices could overflow bigint). Partitioned by day like the events and
-- dropped with them.
CREATE TABLE offer_price_hourly (
    product_id  bigint NOT NULL,
    hour        timestamptz NOT NULL,
    min_price   bigint,
    max_price   bigint,
    price_sum   numeric NOT NULL,
    price_count integer NOT NULL,
    changes     integer NOT NULL,
    offer_ids   uuid[] NOT NULL,
    -- Kept with the rest, so an hour is read as it is stored: the mean of its prices
    -- (exact, two decimals) and how many distinct offers had one.
    price_avg   numeric,
    offers      integer NOT NULL
) PARTITION BY RANGE (hour);

CREATE UNIQUE INDEX offer_price_hourly_key ON offer_price_hourly (product_id, hour);

CREATE FUNCTION offer_price_hourly_roll_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO offer_price_hourly AS h (product_id, hour, min_price, max_price, price_sum, price_count, changes, offer_ids,
                                         price_avg, offers)
    SELECT product_id, date_trunc('hour', at, 'UTC'), min(price), max(price), coalesce(sum(price), 0), count(price), count(*),
           coalesce(array_agg(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL), '{}'),
           round(avg(price), 2), count(DISTINCT offer_id) FILTER (WHERE price IS NOT NULL)
    FROM new_events
    GROUP BY 1, 2
    ON CONFLICT (product_id, hour) DO UPDATE SET
        min_price = least(h.min_price, EXCLUDED.min_price),
        max_price = greatest(h.max_price, EXCLUDED.max_price),
        price_sum = h.price_sum + EXCLUDED.price_sum,
        price_count = h.price_count + EXCLUDED.price_count,
        changes = h.changes + EXCLUDED.changes,
        offer_ids = ARRAY(SELECT DISTINCT o FROM unnest(h.offer_ids || EXCLUDED.offer_ids) AS o ORDER BY o),
        price_avg = round((h.price_sum + EXCLUDED.price_sum) / nullif(h.price_count + EXCLUDED.price_count, 0), 2),
        offers = cardinality(ARRAY(SELECT DISTINCT o FROM unnest(h.offer_ids || EXCLUDED.offer_ids) AS o));
    RETURN NULL;
END
$$;

CREATE TRIGGER offer_price_events_roll_up AFTER INSERT ON offer_price_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION offer_price_hourly_roll_up();

-- Adds the partitions of one UTC day to both tables, unless they exist; true if any was
-- added. Each is created as a table of its own and then attached: ATTACH PARTITION takes
-- only a SHARE UPDATE EXCLUSIVE lock on the parent (reads and the sync's inserts go on),
-- where CREATE TABLE ... PARTITION OF would take an ACCESS EXCLUSIVE one. Partitions are
-- named after their table and day (`offer_price_events_20261130`,
-- `offer_price_hourly_20261130`), which is how retention finds their end.
CREATE FUNCTION offer_price_history_add_partitions(day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    name   text;
    low    timestamptz := day::timestamp AT TIME ZONE 'UTC';
    high   timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    added  boolean := false;
BEGIN
    FOREACH parent IN ARRAY ARRAY['offer_price_events', 'offer_price_hourly'] LOOP
        name := parent || '_' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, name, low, high);
        added := true;
    END LOOP;
    RETURN added;
END
$$;

-- Today and the next two days; the job keeps the window moving.
SELECT offer_price_history_add_partitions((now() AT TIME ZONE 'UTC')::date + d) FROM generate_series(0, 2) AS d;

-- History starts with the offers already stored: each appears now, so the trend of a
-- product has a starting point from the first day rather than from its first change.
INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock, in_force_offers, in_force_price_sum)
SELECT product_id, now(), id, 'appeared', price, items_in_stock,
       count(*) OVER (PARTITION BY product_id), sum(price) OVER (PARTITION BY product_id)
FROM offers;
