-- Products: the catalogue. Prices are exact decimals (numeric), never floating point.
-- Each product also has its own UUID for the external offers service, generated here and
-- never reused, kept apart from the public integer id.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offers_uuid      uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
    price            numeric(12, 2) NOT NULL CHECK (price >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    offers_synced_at timestamptz
);

-- `?q=` is a case-insensitive substring search (ILIKE '%q%'): a trigram index serves it.
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
