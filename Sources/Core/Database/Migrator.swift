import Foundation
import Logging

/// A numbered SQL file under the migrations directory (`0001_products.sql`).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex: an applied migration must never change.
    public let checksum: String

    public init(version: Int, name: String, sql: String, checksum: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = checksum
    }
}

/// Why migrating failed.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    case directoryUnreadable(String)
    case badFileName(String)
    case duplicateVersion(Int)
    case changedAfterApply(version: Int, name: String)
    case failed(version: Int, name: String, message: String)
    case notADirectConnection

    public var description: String {
        switch self {
        case .directoryUnreadable(let path): "cannot read migrations directory \(path)"
        case .badFileName(let name): "migration file name \(name) is not NNNN_name.sql"
        case .duplicateVersion(let version): "two migration files have version \(version)"
        case .changedAfterApply(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied; refusing to run (write a new migration instead)"
        case .failed(let version, let name, let message): "migration \(version) (\(name)) failed: \(message)"
        case .notADirectConnection:
            "the migration lock was taken on another server connection than the next statement ran on: the URL reaches a pooler in transaction mode; set CATALOG_MIGRATE_DATABASE_URL to PostgreSQL itself"
        }
    }
}

/// Applies schema migrations: each file once, in order, inside its own transaction,
/// recorded with its checksum in `schema_migrations`.
///
/// A session-level advisory lock serialises concurrent runs (two hosts deploying at once):
/// the second waits, then finds nothing left to do.
public struct Migrator {
    /// The advisory lock key (an arbitrary constant that names "catalog migrate").
    public static let lockKey: Int64 = 0x63_61_74_6d_69_67  // "catmig"

    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Loads every `NNNN_name.sql` in `directory`.
    public static func load(directory: String, logger: Logger) throws(MigrationError) -> Migrator {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        } catch {
            throw .directoryUnreadable(directory)
        }
        var migrations: [Migration] = []
        for name in names {
            guard let underscore = name.firstIndex(of: "_"), let version = Int(name[..<underscore]), version > 0 else {
                throw .badFileName(name)
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  let sql = String(data: data, encoding: .utf8)
            else { throw .directoryUnreadable(directory + "/" + name) }
            if migrations.contains(where: { $0.version == version }) { throw .duplicateVersion(version) }
            migrations.append(Migration(version: version, name: name, sql: sql, checksum: Hex.encode(Digest.sha256(Array(data)))))
        }
        return Migrator(migrations: migrations, logger: logger)
    }

    /// Applies what is pending; returns the versions applied by this run.
    @discardableResult
    public func run(on connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
        try Self.requireSessionHoldsLock(connection)

        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations").rows {
            applied[Int(try row.int64(0))] = try row.string(1)
        }

        var ran: [Int] = []
        for migration in migrations {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw MigrationError.changedAfterApply(version: migration.version, name: migration.name)
                }
                continue
            }
            do {
                try connection.execute("BEGIN")
                try connection.execute(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum])
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                let message = switch error {
                case .server(_, let message, _): message
                default: "\(error)"
                }
                throw MigrationError.failed(version: migration.version, name: migration.name, message: message)
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            ran.append(migration.version)
        }
        // Fresh statistics for what the migrations built, in a transaction of its own: a
        // statistics target set by a migration (0008's on the search index) is not used by an
        // ANALYZE in the same transaction, which left the planner with the default target's
        // histogram until autovacuum happened to analyze the table again.
        if !ran.isEmpty { try connection.execute("ANALYZE") }
        return ran
    }

    /// A transaction-mode pooler may run the lock and the next statement on different
    /// server connections, and then the lock protects nothing: refuse to go on.
    private static func requireSessionHoldsLock(_ connection: PostgresConnection) throws {
        let held = try connection.query("""
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
              AND ((classid::bigint << 32) | objid::bigint) = $1
            """, [lockKey]).first?.int64(0) ?? 0
        if held == 0 { throw MigrationError.notADirectConnection }
    }
}
