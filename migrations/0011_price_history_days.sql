-- Closed days of the price history, rendered once (issue 16): each product's day of hour
-- points kept as the JSON text `GET /products/{id}/price-history?bucket=hour` writes for
-- them, so a month's read is ~30 rows of text instead of 720 roll-ups formatted on every
-- request. Written by the offer-sync job (`PriceHistoryDays`, with the same writer the
-- reads use) once a day has been over for an hour; read in place of that day's roll-ups.
--
-- `points` is the day's points as JSON objects separated by commas, without the array's
-- brackets, so reads splice it between other points. One row per product and day with at
-- least one recorded price. Not partitioned: a read of 30 days is 30 index entries of one
-- table, with no partitions to plan; retention deletes whole days (few rows: one per
-- product that changed that day) when the job drops the day's partitions.
CREATE TABLE offer_price_days (
    product_id bigint NOT NULL,
    day        timestamptz NOT NULL,
    points     text NOT NULL,
    PRIMARY KEY (product_id, day)
);

-- Every product's days before `through` are rendered (NULL: none yet). Reads take rendered
-- days only before it, so a day the job has rendered for some products but not yet all is
-- read from the roll-ups. One row.
CREATE TABLE offer_price_days_rendered (
    only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT offer_price_days_rendered_one_row CHECK (only_row),
    through  timestamptz
);
INSERT INTO offer_price_days_rendered DEFAULT VALUES;
