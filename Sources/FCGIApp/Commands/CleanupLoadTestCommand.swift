import ArgumentParser
import Core
import Logging

/// `catalog cleanup-loadtest --prefix locust_`: removes load-test users and what they own.
struct CleanupLoadTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-loadtest",
        abstract: "Delete users whose email starts with PREFIX, with their books and authors, in one transaction.")

    @Option(help: "Email prefix of the load-test accounts (case-insensitive).")
    var prefix: String

    func run() throws {
        guard prefix.count >= 3 else {
            Startup.printError("catalog cleanup-loadtest: --prefix must be at least 3 characters (it selects accounts to delete)")
            throw ExitCode(64)
        }
        let configuration = Startup.configuration()
        Startup.bootstrapLogging(configuration)
        let database = Database(url: configuration.databaseURL, mode: configuration.databaseStatements, transactionTimeoutMilliseconds: 120_000, logger: Logger(label: "catalog.cleanup"))
        do {
            let report = try LoadTestCleanup.run(prefix: prefix, database: database)
            print("removed \(report.users) users, \(report.books) books, \(report.authors) authors (prefix \(prefix))")
        } catch let error as DatabaseError {
            Startup.printError("catalog cleanup-loadtest: database error: \(error)")
            throw ExitCode.failure
        }
    }
}
