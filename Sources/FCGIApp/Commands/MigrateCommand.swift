import ArgumentParser
import Core
import Foundation
import Logging

/// `catalog migrate`: applies pending schema migrations and exits.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (numbered SQL files), each in a transaction.",
        discussion: """
            Connects to $CATALOG_MIGRATE_DATABASE_URL (default: $DATABASE_URL), which must reach \
            PostgreSQL directly, never PgBouncer in transaction mode: a session-level advisory \
            lock keeps two deploys from migrating at once. Then makes $CATALOG_STATEMENT_TIMEOUT_MS \
            the database's statement timeout (ALTER DATABASE; the service's role owns the database).
            """)

    @Option(help: "Directory of NNNN_name.sql files (default: $CATALOG_MIGRATIONS_DIR or ./migrations).")
    var directory: String?

    func run() throws {
        let configuration = Startup.configuration()
        Startup.bootstrapLogging(configuration)
        let logger = Logger(label: "catalog.migrate")
        do {
            let migrator = try Migrator.load(directory: directory ?? configuration.migrationsDirectory, logger: logger)
            let connection = try PostgresConnection(url: configuration.migrateDatabaseURL, applicationName: "catalog-migrate")
            try connection.execute(DatabaseSessionDefaults.maintenanceSession)
            let applied = try migrator.run(on: connection)
            try DatabaseSessionDefaults.applyStatementTimeout(configuration.statementTimeoutMilliseconds, on: connection)
            logger.info("migrations complete", metadata: [
                "applied": "\(applied.count)", "known": "\(migrator.migrations.count)",
                "statement_timeout_ms": "\(configuration.statementTimeoutMilliseconds)",
            ])
        } catch let error as MigrationError {
            Startup.printError("catalog migrate: \(error)")
            throw ExitCode.failure
        } catch let error as DatabaseError {
            Startup.printError("catalog migrate: database error: \(error)")
            throw ExitCode.failure
        }
    }
}
