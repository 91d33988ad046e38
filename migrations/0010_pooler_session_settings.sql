-- Through a transaction-mode pooler (PgBouncer 1.18, issue 15), nothing may ride in the
-- startup packet (`options` is refused) or be SET on a session (the next transaction may
-- run on another server connection). So:
--
-- 1. The session settings the service relies on are the database's own defaults, which
--    every new server connection starts with, whoever opens it: UTC timestamps in ISO
--    form (PostgresRow.timestamp decodes exactly that). The database's name is not known
--    to a migration, hence the dynamic SQL; ALTER DATABASE needs the database's owner
--    (the service's role owns it in every documented setup). The statement timeout is
--    set the same way, but by `catalog migrate` itself from CATALOG_STATEMENT_TIMEOUT_MS
--    (DatabaseSessionDefaults), since it is configuration, not schema.
--    These apply to connections opened after the migration: a pooler's older server
--    connections keep what they had until they are recycled (server_lifetime), or a
--    RECONNECT on PgBouncer's console.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET "TimeZone" = %L', current_database(), 'UTC');
    EXECUTE format('ALTER DATABASE %I SET "DateStyle" = %L', current_database(), 'ISO, YMD');
END
$$;

-- 2. One sync-offers run at a time without a session-level advisory lock (which would
--    stay on whichever server connection the pooler had lent, or be released under the
--    run): a lease row. A run takes it when it is free or expired, deletes it when done;
--    a run killed midway cannot hold it forever, because it expires on its own (the
--    job's run deadline plus a margin: a live run stops starting work at its deadline).
--    At most one row (the primary key is the constant true).
CREATE TABLE offer_sync_lease (
    singleton  boolean PRIMARY KEY DEFAULT true CONSTRAINT offer_sync_lease_singleton CHECK (singleton),
    holder     text NOT NULL,
    taken_at   timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
