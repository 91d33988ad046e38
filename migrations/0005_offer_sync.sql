-- Offer sync (issue 5): what the `catalog sync-offers` job needs to remember between runs.
--
-- 1. Registration of each product with the external offers service. A new product starts
--    'pending' (the column default, so the products module needs no change); the job moves
--    it to 'registered' (201, or 409 "already registered") or, when the service rejects the
--    product itself (a 4xx other than 401/409), to 'failed', retried after a back-off.
--    Transient trouble (timeouts, 5xx, garbage) leaves it 'pending' and is retried on the
--    next run. Every attempt is counted and the last error kept, for the operator.
ALTER TABLE products
    ADD COLUMN offers_registration text NOT NULL DEFAULT 'pending'
        CONSTRAINT products_offers_registration_check
        CHECK (offers_registration IN ('pending', 'registered', 'failed')),
    ADD COLUMN offers_registration_error text,
    ADD COLUMN offers_registration_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN offers_registration_attempted_at timestamptz,
    ADD COLUMN offers_registered_at timestamptz;

-- The job's "what is left to register" look-up stays cheap however large the catalogue.
CREATE INDEX products_offers_unregistered_idx ON products (id) WHERE offers_registration <> 'registered';

-- 2. The offers service's access token. It lives 5 minutes and a new one cannot be had
--    while the previous one is valid, so each short-lived run must find the token the
--    previous run obtained: one row per service base URL (staging and production never
--    share a token), replaced whenever a new token is issued.
CREATE TABLE offers_access_tokens (
    base_url     text PRIMARY KEY,
    access_token text NOT NULL,
    expires_at   timestamptz NOT NULL,
    obtained_at  timestamptz NOT NULL DEFAULT now()
);
