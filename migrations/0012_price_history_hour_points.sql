-- The price history's hour points kept by the database (issue 16), replacing the closed
-- days that the sync job rendered (0011): a read at `bucket=hour` is one index range of
-- one table, whatever its range, and never touches the partitioned roll-ups.
--
-- Measured on a month's read of one product (720 hours, pgbench, prepared): the three
-- parts of the 0011 read (the first day's roll-ups, the rendered days, the last days'
-- roll-ups) ~6,000 reads/s; the rendered days alone 16,000-18,000.

-- One point of the history as the JSON object the API writes (`PricePoint`): the only
-- place its text is formed, for every bucket. Numbers are PostgreSQL's text of the typed
-- values (a bigint, a numeric rounded to 2 decimals: already JSON numbers); NULL when the
-- bucket has no recorded price (`min` is NULL), which is no point.
CREATE FUNCTION offer_price_point(at timestamptz, min_price bigint, price_avg numeric, max_price bigint,
                                  offers bigint, changes bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN '{"at":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","min":' || min_price
       || ',"avg":' || price_avg || ',"max":' || max_price || ',"offers":' || offers || ',"changes":' || changes || '}';

-- A product's day of hour points, from its hourly roll-ups: 24 slots, hour 0 first, NULL
-- for an hour without a recorded price.
CREATE FUNCTION offer_price_day_hours(product bigint, day timestamptz) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY(
    SELECT p.point
    FROM generate_series(0, 23) AS s (n)
    LEFT JOIN (SELECT extract(hour FROM h.hour AT TIME ZONE 'UTC')::int AS n,
                      offer_price_point(h.hour, h.min_price, h.price_avg, h.max_price, h.offers, h.changes) AS point
               FROM offer_price_hourly h
               WHERE h.product_id = product AND h.hour >= day AND h.hour < day + interval '24 hours') AS p USING (n)
    ORDER BY s.n);

DROP TABLE offer_price_days_rendered;
DROP TABLE offer_price_days;

-- Each product's days of hour points (`offer_price_day_hours`), one row per product and
-- UTC day with at least one event, kept by the events' trigger below in the statement
-- that writes the events: whatever writes an event (the sync, a bench seed, a backfill)
-- is read at once. A read takes a whole day's `points` (its hours' points joined, as the
-- response carries them) and slices the first and last days of its range from `hours`
-- (`hours[from:to]`, NULL slots skipped by `array_to_string`). Both are kept because
-- joining 24 slots on every read cost PostgreSQL a quarter of the read (pgbench, the
-- month: 8,300-10,300 against 11,000-12,300 reads/s).
--
-- Not partitioned: a month's read is ~30 entries of one index, with no partitions to plan
-- or open. The offer-sync job deletes the days past the retention with their partitions
-- (`PriceHistoryPartitions`), by the index on `day`. A row (24 points, ~2.2 KB) is kept
-- uncompressed in the heap: with the default threshold (~2 KB) PostgreSQL compressed it,
-- and decompressing took a third of the read (pgbench, the same month: 10,000-12,000
-- against 16,000-18,000 reads/s); both columns (~4.4 KB) stay well under the 8 KB page.
CREATE TABLE offer_price_days (
    product_id bigint NOT NULL,
    day        timestamptz NOT NULL,
    hours      text[] NOT NULL CONSTRAINT offer_price_days_hours_check CHECK (cardinality(hours) = 24),
    points     text NOT NULL,
    PRIMARY KEY (product_id, day)
) WITH (toast_tuple_target = 8160);

CREATE INDEX offer_price_days_day ON offer_price_days (day);

INSERT INTO offer_price_days (product_id, day, hours, points)
SELECT product_id, day, hours, array_to_string(hours, ',')
FROM (SELECT DISTINCT product_id, date_trunc('day', hour, 'UTC') AS day FROM offer_price_hourly) AS days,
     LATERAL offer_price_day_hours(product_id, day) AS h (hours);

-- The days the events of a statement fall in, rendered again from the roll-ups: a second
-- trigger on the events, after 0009's roll-up (triggers of one event fire in name order,
-- and `offer_price_events_roll_up` sorts before this one). Each statement renders a whole
-- day after taking the day's row lock: a transaction writing other hours of the same day
-- at the same time commits first, and the render (a new statement, so a new snapshot)
-- sees its hours too.
CREATE FUNCTION offer_price_days_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO offer_price_days (product_id, day, hours, points)
    SELECT DISTINCT product_id, date_trunc('day', at, 'UTC'), array_fill(NULL::text, ARRAY[24]), '' FROM new_events
    ON CONFLICT (product_id, day) DO NOTHING;
    PERFORM 1 FROM offer_price_days
    WHERE (product_id, day) IN (SELECT product_id, date_trunc('day', at, 'UTC') FROM new_events)
    ORDER BY product_id, day FOR UPDATE;
    UPDATE offer_price_days d SET hours = r.hours, points = array_to_string(r.hours, ',')
    FROM (SELECT DISTINCT product_id, date_trunc('day', at, 'UTC') AS day FROM new_events) AS t,
         LATERAL offer_price_day_hours(t.product_id, t.day) AS r (hours)
    WHERE d.product_id = t.product_id AND d.day = t.day;
    RETURN NULL;
END
$$;

CREATE TRIGGER offer_price_events_roll_up_to_days AFTER INSERT ON offer_price_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION offer_price_days_render();
