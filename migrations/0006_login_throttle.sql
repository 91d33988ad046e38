-- Per-account throttling of failed sign-ins (POST /auth/login).
--
-- login_failures: one row per email that has failed recently, known or not (the same
-- answer for both, so the table cannot tell an attacker which emails exist). The email
-- is stored as the hex SHA-256 of its normalised form: an unknown address an attacker
-- typed is not kept in the clear. blocked_until is when the next attempt is allowed;
-- the growing interval itself is computed by the application (LoginThrottle.Policy).
CREATE TABLE login_failures (
    email_key       text PRIMARY KEY CHECK (email_key ~ '^[0-9a-f]{64}$'),
    failures        integer NOT NULL CHECK (failures > 0),
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz
);
-- For forgetting old runs of failures (LoginThrottle.forgetStale).
CREATE INDEX login_failures_last_failure_at ON login_failures (last_failure_at);

-- Where each user has signed in successfully (client address key: an IPv4 address, or
-- an IPv6 /64). An attempt from one of these is not held back by the account's
-- throttle, so an attacker who keeps failing for an email cannot lock its owner out of
-- the places the owner normally signs in from.
CREATE TABLE login_addresses (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address_key     text NOT NULL CHECK (char_length(address_key) BETWEEN 1 AND 64),
    last_success_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, address_key)
);
