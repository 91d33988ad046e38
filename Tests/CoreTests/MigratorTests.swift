import Core
import Foundation
import Testing
import TestSupport

/// `catalog migrate` semantics against the real PostgreSQL, in a scratch schema.
@Suite struct MigratorTests {
    private func migration(_ version: Int, _ sql: String) -> Migration {
        Migration(version: version, name: "\(version)_test.sql", sql: sql, checksum: Hex.encode(Digest.sha256(Array(sql.utf8))))
    }

    @Test func appliesInOrderOnceAndRecordsChecksums() throws {
        try TestDatabase.withScratchSchema { db, _ throws in
            let migrations = [migration(2, "ALTER TABLE things ADD COLUMN size int"), migration(1, "CREATE TABLE things (id int)")]
            let migrator = Migrator(migrations: migrations, logger: TestDatabase.logger)
            #expect(try migrator.run(on: db) == [1, 2])
            #expect(try migrator.run(on: db) == [], "a second run has nothing to do")
            let recorded = try db.query("SELECT version, checksum FROM schema_migrations ORDER BY version").rows
            #expect(try recorded.map { try $0.int64(0) } == [1, 2])
            #expect(try recorded[0].string(1) == migrations[1].checksum)
            #expect(try db.query("SELECT size FROM things").rowCount == 0)
        }
    }

    @Test func refusesWhenAnAppliedFileChanged() throws {
        try TestDatabase.withScratchSchema { db, _ throws in
            try Migrator(migrations: [migration(1, "CREATE TABLE a (id int)")], logger: TestDatabase.logger).run(on: db)
            let changed = Migrator(migrations: [migration(1, "CREATE TABLE a (id bigint)"), migration(2, "CREATE TABLE b (id int)")],
                                   logger: TestDatabase.logger)
            #expect(throws: MigrationError.changedAfterApply(version: 1, name: "1_test.sql")) { try changed.run(on: db) }
            #expect(try db.query("SELECT to_regclass('b') IS NULL").first!.bool(0), "nothing after the refusal ran")
        }
    }

    @Test func aFailingMigrationIsRolledBackCompletely() throws {
        try TestDatabase.withScratchSchema { db, _ throws in
            let migrator = Migrator(migrations: [migration(1, "CREATE TABLE ok (id int); CREATE TABLE broken (id nonexistent_type)")],
                                    logger: TestDatabase.logger)
            #expect(throws: MigrationError.self) { try migrator.run(on: db) }
            #expect(try db.query("SELECT to_regclass('ok') IS NULL").first!.bool(0), "the whole file is one transaction")
            #expect(try db.query("SELECT count(*) FROM schema_migrations").first!.int64(0) == 0)
        }
    }

    @Test func concurrentRunsApplyEachMigrationOnce() throws {
        try TestDatabase.withScratchSchema { first, schema throws in
            nonisolated(unsafe) let second = try TestDatabase.connect()
            try second.execute("SET search_path TO \(schema)")
            // The slow migration holds the advisory lock while the other run waits for it.
            let migrations = [migration(1, "SELECT pg_sleep(0.5); CREATE TABLE once (id int)")]
            let results = Locked<[[Int]]>([])
            let thread = Thread {
                let applied = (try? Migrator(migrations: migrations, logger: TestDatabase.logger).run(on: second)) ?? [-1]
                results.withValue { $0.append(applied) }
            }
            thread.start()
            usleep(100_000)
            let applied = try Migrator(migrations: migrations, logger: TestDatabase.logger).run(on: first)
            while results.withValue({ $0.count }) == 0 { usleep(20_000) }
            let all = results.withValue { $0 } + [applied]
            #expect(all.sorted { $0.count < $1.count } == [[], [1]], "exactly one run applied it: \(all)")
        }
    }

    @Test func loadsNumberedFilesFromTheRepository() throws {
        let directory = TestDatabase.migrationsDirectory.path
        let migrator = try Migrator.load(directory: directory, logger: TestDatabase.logger)
        #expect(migrator.migrations.map(\.version) == Array(1...migrator.migrations.count))
        #expect(migrator.migrations.first?.name == "0001_products.sql")
    }
}
