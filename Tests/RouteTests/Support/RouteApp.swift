import Core
import Foundation
import Logging
import TestSupport

/// One `CatalogService` for one suite, built in this process against the real PostgreSQL
/// that `make test` starts, on a database of its own.
///
/// The database is a copy of one migrated by the real `Migrator` from `migrations/` once
/// per process (scripts/stack.sh gives the stack's role `CREATEDB`), so a suite sees its
/// own rows only (the admin count, `count(*)` of a table, the price history's partitions)
/// and never the end-to-end suites' or another route suite's; it is dropped when the
/// process exits.
///
/// `respond` runs one request at a time, as a worker does: the service and its
/// connection are not shared between threads.
final class RouteApp: @unchecked Sendable {
    let service: CatalogService
    /// The suite's database.
    let databaseName: String
    /// `DATABASE_URL` with the suite's database in place of the stack's.
    let databaseURL: String
    /// The key the service signs tokens with (a random one per suite).
    let authSettings: AuthSettings
    private let lock = NSLock()
    /// The suite's first admin, made on first use (`adminAccount`).
    private var cachedAdmin: Account?
    private let adminLock = NSLock()

    /// `suite` names the database (`route_<suite>_<random>`), which helps reading a kept run's cluster.
    init(suite: String) {
        let stackURL = Self.environment("DATABASE_URL")
        databaseName = "route_\(suite.lowercased())_\(Hex.encode(SecureRandom.bytes(4)))"
        databaseURL = Self.url(stackURL, database: databaseName)
        do {
            let template = try ScratchDatabases.migratedTemplate(stackURL: stackURL)
            _ = try PostgresConnection(url: stackURL).execute("CREATE DATABASE \(databaseName) TEMPLATE \(template)")
            ScratchDatabases.created(databaseName, stackURL: stackURL)
        } catch {
            fatalError("could not prepare the suite's database \(databaseName): \(error)")
        }
        authSettings = AuthSettings(secret: SecureRandom.bytes(32))
        // The service's settings are its defaults (as `catalog serve` has them without any
        // CATALOG_* variable), on the suite's database, but for one: hashes run at the
        // test's own priority, not niced (`PasswordWork`; CoreTests' PasswordWorkTests test
        // that), since the nice value protects a pool's reads and there are none here.
        service = CatalogService(configuration: ServiceConfiguration(databaseURL: databaseURL, auth: authSettings, passwordNice: 0),
                                 logger: Self.quiet)
    }

    /// A second service on `other`'s database whose connection sends statements as
    /// `statements` says (`RouteApp(suite:)` has the default, unnamed): for reads whose SQL
    /// depends on the mode (`PriceHistoryStore.bound`).
    init(sharing other: RouteApp, statements: StatementMode) {
        databaseName = other.databaseName
        databaseURL = other.databaseURL
        authSettings = other.authSettings
        service = CatalogService(configuration: ServiceConfiguration(databaseURL: databaseURL, databaseStatements: statements,
                                                                     auth: authSettings, passwordNice: 0),
                                 logger: Self.quiet)
    }

    /// `url` (a libpq URI, `postgres://user:password@host/name?params`) naming `database`
    /// instead of the one it names.
    static func url(_ url: String, database: String) -> String {
        guard let scheme = url.range(of: "://") else { preconditionFailure("DATABASE_URL is not a URI: \(url)") }
        let authority = url[scheme.upperBound...]
        let hostStart = authority.firstIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let pathStart = authority[hostStart...].firstIndex { $0 == "/" || $0 == "?" } ?? authority.endIndex
        let queryStart = authority[pathStart...].firstIndex(of: "?") ?? authority.endIndex
        return String(url[..<pathStart]) + "/" + database + String(authority[queryStart...])
    }

    /// Answers one request, one at a time.
    func respond(to request: Request) -> Response {
        lock.lock()
        defer { lock.unlock() }
        return service.respond(to: request)
    }

    /// The suite's first admin, made once (`adminAccount`).
    func bootstrapAdmin() -> Account {
        adminLock.lock()
        defer { adminLock.unlock() }
        if let cachedAdmin { return cachedAdmin }
        do {
            let account = try newUser("admin", role: "admin")
            cachedAdmin = account
            return account
        } catch {
            fatalError("could not make the suite's admin: \(error)")
        }
    }

    /// A direct connection to the suite's database, for arranging rows and asserting on them.
    func database() throws -> PostgresConnection {
        try PostgresConnection(url: databaseURL)
    }

    /// Warnings and errors only: one info line per request would bury a failure's output.
    static let quiet: Logger = {
        var logger = Logger(label: "route-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func environment(_ name: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            fatalError("\(name) is not set: run the tests with `make test`, which starts PostgreSQL")
        }
        return value
    }
}

/// The suites' databases, dropped when the process exits (`WITH (FORCE)`: the suites'
/// services still hold their connections then).
enum ScratchDatabases {
    nonisolated(unsafe) private static var made: [(name: String, stackURL: String)] = []
    private static let lock = NSLock()

    nonisolated(unsafe) private static var template: String?

    static func created(_ name: String, stackURL: String) {
        lock.lock()
        defer { lock.unlock() }
        remember(name, stackURL: stackURL)
    }

    /// A database migrated from `migrations/` (CATALOG_MIGRATIONS_DIR) once per process,
    /// which the suites' databases copy: one migration run instead of one per suite.
    static func migratedTemplate(stackURL: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let template { return template }
        let name = "route_template_\(Hex.encode(SecureRandom.bytes(4)))"
        _ = try PostgresConnection(url: stackURL).execute("CREATE DATABASE \(name)")
        remember(name, stackURL: stackURL)
        let migrations = ProcessInfo.processInfo.environment["CATALOG_MIGRATIONS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "migrations"
        // (The connection closes at the end of this statement: a template must have none.)
        _ = try Migrator.load(directory: migrations, logger: RouteApp.quiet).run(on: try PostgresConnection(url: RouteApp.url(stackURL, database: name)))
        template = name
        return name
    }

    private static func remember(_ name: String, stackURL: String) {
        if made.isEmpty { atexit { ScratchDatabases.dropAll() } }
        made.append((name, stackURL))
    }

    private static func dropAll() {
        lock.lock()
        defer { lock.unlock() }
        for (name, stackURL) in made.reversed() {
            _ = try? PostgresConnection(url: stackURL).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        made.removeAll()
    }
}
