import ArgumentParser
import Core
import Dispatch
import Foundation
import Logging

/// `catalog sync-offers`: one run of the offer sync, then exit (a systemd timer runs it
/// every minute; `make run` runs it in a loop).
///
/// A separate short-lived process, never forked from `serve`, so it may use threads and
/// Swift concurrency freely: the job runs in a detached task while the main thread waits.
/// Exit status: 0 when everything synced or another run holds the lock, 1 when anything
/// failed (the summary line says what), 78 for bad configuration.
struct SyncOffersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-offers",
        abstract: "Register new products with the offers service and refresh every product's offers, once.",
        discussion: """
            Configuration comes from the environment: DATABASE_URL, OFFERS_BASE_URL, OFFERS_REFRESH_TOKEN \
            (or OFFERS_REFRESH_TOKEN_FILE), and optionally OFFERS_TIMEOUT_SECONDS, OFFERS_SYNC_CONCURRENCY, \
            OFFERS_MAX_CONSECUTIVE_FAILURES, OFFERS_SYNC_DEADLINE_SECONDS, OFFERS_REGISTRATION_RETRY_SECONDS, \
            CATALOG_PRICE_HISTORY_RETENTION_DAYS. Records each offer change in the price history. \
            Prints one summary line; exits 1 if anything failed.
            """)

    @Option(help: "Calls to the offers service in flight at once, 1-64 (default: $OFFERS_SYNC_CONCURRENCY or 8).")
    var concurrency: Int?

    func validate() throws {
        if let concurrency, !OffersConfiguration.concurrencyRange.contains(concurrency) {
            throw ValidationError("--concurrency must be from \(OffersConfiguration.concurrencyRange.lowerBound) to \(OffersConfiguration.concurrencyRange.upperBound)")
        }
    }

    func run() throws {
        let environment = Startup.environment()
        // Only what this job needs: the web service's settings (JWT secret, ...) are not required here.
        var reader = EnvironmentReader(environment)
        let databaseURL = reader.required("DATABASE_URL", hint: "e.g. postgres://catalog:PASSWORD@127.0.0.1:5432/catalog")
        let statements = reader.choice("CATALOG_DB_STATEMENTS", default: StatementMode.unnamed)
        let format = reader.choice("CATALOG_LOG_FORMAT", default: LogFormat.logfmt)
        let level = reader.choice("CATALOG_LOG_LEVEL", default: Logger.Level.info)
        var problems = reader.errors
        var offers: OffersConfiguration?
        do {
            offers = try OffersConfiguration(environment: environment)
        } catch {
            problems += error.errors
        }
        guard problems.isEmpty, var offers else {
            for problem in problems { Startup.printError("configuration: \(problem)") }
            throw ExitCode(78)
        }
        if let concurrency { offers.concurrency = concurrency }
        Startup.bootstrapLogging(ServiceConfiguration(databaseURL: databaseURL,
                                                      logFormat: format, logLevel: level))
        let logger = Logger(label: "catalog.sync-offers")

        let job = OfferSyncJob(
            configuration: offers, databaseURL: databaseURL, statementMode: statements,
            client: URLSessionOffersClient(configuration: offers, maxConnections: offers.concurrency), logger: logger)
        let summary = Self.wait { await job.run() }

        if summary.exitCode == 0 {
            logger.info("offer sync finished", metadata: Self.metadata(summary))
        } else {
            logger.error("offer sync failed", metadata: Self.metadata(summary))
        }
        print(summary.line)
        fflush(nil)
        throw ExitCode(summary.exitCode)
    }

    /// Runs `body` on the global executor and blocks this (main, non-pool) thread until it
    /// finishes. `Task.detached` so it never inherits the main actor it would deadlock on.
    private static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    private static func metadata(_ summary: OfferSyncSummary) -> Logger.Metadata {
        [
            "registered": "\(summary.registered)", "refreshed": "\(summary.refreshed)",
            "unchanged": "\(summary.unchanged)", "failed": "\(summary.failed)",
            "seconds": "\(summary.seconds)",
        ]
    }
}

/// Hands a value from the job's task to the waiting main thread (the semaphore orders
/// the write before the read).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
