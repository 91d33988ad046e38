import Core
import Foundation
import Logging
import Testing

/// The real PostgreSQL that `make test` starts; database tests use it directly.
enum TestDatabase {
    static var url: String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            fatalError("DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
        }
        return url
    }

    static func connect(mode: StatementMode = .unnamed) throws -> PostgresConnection {
        try PostgresConnection(url: url, mode: mode)
    }

    static let logger = Logger(label: "test")

    /// The repository's migrations, as `catalog migrate` reads them.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("migrations")

    /// One migration's SQL, by file name (`0001_products.sql`).
    static func migration(_ name: String) throws -> String {
        try String(contentsOf: migrationsDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// A schema of its own for a test, dropped afterwards, so tests never see each other's tables.
    static func withScratchSchema<T>(_ body: (PostgresConnection, String) throws -> T) throws -> T {
        let connection = try connect()
        let schema = "test_" + Hex.encode(SecureRandom.bytes(6))
        try connection.execute("CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        defer { _ = try? connection.execute("DROP SCHEMA \(schema) CASCADE") }
        return try body(connection, schema)
    }
}
