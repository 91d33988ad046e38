import ArgumentParser
import Core
import Foundation
import Logging

/// `catalog migrate`: applies pending schema migrations and exits.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (numbered SQL files), each in a transaction.")

    @Option(help: "Directory of NNNN_name.sql files (default: $CATALOG_MIGRATIONS_DIR or ./migrations).")
    var directory: String?

    func run() throws {
        let configuration = Startup.configuration()
        Startup.bootstrapLogging(configuration)
        let logger = Logger(label: "catalog.migrate")
        do {
            let migrator = try Migrator.load(directory: directory ?? configuration.migrationsDirectory, logger: logger)
            let connection = try PostgresConnection(url: configuration.databaseURL, statementTimeoutMilliseconds: 0)
            let applied = try migrator.run(on: connection)
            logger.info("migrations complete", metadata: [
                "applied": "\(applied.count)", "known": "\(migrator.migrations.count)",
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
