import ArgumentParser
import Core
import Foundation
import Logging

/// `catalog maintain-price-history`: what every `catalog sync-offers` run does to the price
/// history before it syncs (the coming days' partitions, expired days dropped:
/// `PriceHistoryPartitions`), without the offers service. For after a restore, before a
/// bulk import of history (its days need partitions), or while the sync is stopped;
/// harmless while the job runs (each step is idempotent).
struct MaintainPriceHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintain-price-history",
        abstract: "Add the price history's coming partitions and drop expired days, once.",
        discussion: """
            Configuration comes from the environment: DATABASE_URL and optionally \
            \(PriceHistoryRetention.variable) (default \(PriceHistoryRetention.defaultDays)). Prints one summary line.
            """)

    func run() throws {
        var reader = EnvironmentReader(Startup.environment())
        let databaseURL = reader.required("DATABASE_URL", hint: "e.g. postgres://catalog:PASSWORD@127.0.0.1:5432/catalog")
        let retentionDays = PriceHistoryRetention.days(&reader)
        let format = reader.choice("CATALOG_LOG_FORMAT", default: LogFormat.logfmt)
        let level = reader.choice("CATALOG_LOG_LEVEL", default: Logger.Level.info)
        guard reader.errors.isEmpty else {
            for problem in reader.errors { Startup.printError("configuration: \(problem)") }
            throw ExitCode(78)
        }
        Startup.bootstrapLogging(ServiceConfiguration(databaseURL: databaseURL, logFormat: format, logLevel: level))
        do {
            let connection = try PostgresConnection(url: databaseURL, applicationName: "catalog-maintain-price-history")
            let partitions = try PriceHistoryPartitions.maintain(connection, retentionDays: retentionDays)
            print("partitions added \(partitions.added), dropped \(partitions.dropped.count); "
                  + "expired product-days deleted \(partitions.expiredDays)")
        } catch {
            Startup.printError("catalog maintain-price-history: database error: \(error)")
            throw ExitCode.failure
        }
    }
}
