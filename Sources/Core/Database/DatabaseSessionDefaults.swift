/// The session settings every connection to the catalog database must start with, kept as
/// the database's defaults rather than sent per connection (see `PostgresConnection`).
///
/// Time zone and date style never change: migration 0010 sets them. The statement
/// timeout is configuration (`CATALOG_STATEMENT_TIMEOUT_MS`), so `catalog migrate`, which
/// runs on every deploy with the service's environment, sets it here. A role-level
/// setting (`ALTER ROLE catalog SET statement_timeout = …`) would override it; none is made.
public enum DatabaseSessionDefaults {
    /// Makes `milliseconds` the statement timeout of every later connection to the
    /// current database. Needs the database's owner; idempotent.
    public static func applyStatementTimeout(_ milliseconds: Int, on connection: PostgresConnection) throws(DatabaseError) {
        // ALTER DATABASE takes no parameters: the value is an integer of ours, and the
        // database's name is quoted by format(%I) on the server.
        try connection.execute("""
            DO $$ BEGIN
                EXECUTE format('ALTER DATABASE %I SET statement_timeout = %s', current_database(), \(milliseconds));
            END $$
            """)
    }

    /// What a maintenance session (migrations) sets for itself on its direct connection:
    /// no statement timeout (an index build may take long), UTC timestamps in ISO form.
    public static let maintenanceSession = "SET statement_timeout = 0; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'"
}
