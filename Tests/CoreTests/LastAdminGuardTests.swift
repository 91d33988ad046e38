@testable import Core
import Foundation
import Testing
import TestSupport

/// The last-admin rule against the real PostgreSQL, in a scratch schema with the real
/// `users` table, including two transactions racing to demote each other.
@Suite struct LastAdminGuardTests {
    private static let usersMigration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("migrations/0003_users.sql")

    private static func users(_ db: PostgresConnection) throws {
        try db.execute(String(contentsOf: usersMigration, encoding: .utf8))
    }

    private static func insert(_ db: PostgresConnection, _ name: String, _ role: Role) throws -> Int64 {
        try UserStore.insert(db, email: "\(name)@example.com", name: name, passwordHash: "x", role: role).id
    }

    private static func admins(_ db: PostgresConnection) throws -> [Int64] {
        try db.query("SELECT id FROM users WHERE role = 'admin' ORDER BY id").rows.map { try $0.int64(0) }
    }

    private static func demote(_ db: PostgresConnection, _ id: Int64) throws {
        try LastAdminGuard.ensureAnotherAdmin(db, besides: id)
        _ = try UserStore.update(db, id: id, name: nil, email: nil, passwordHash: nil, role: .user)
    }

    @Test func theLastAdminIsKeptAndOthersAreNot() throws {
        try TestDatabase.withScratchSchema { db, _ throws in
            try Self.users(db)
            let first = try Self.insert(db, "first", .admin)
            let second = try Self.insert(db, "second", .admin)
            let plain = try Self.insert(db, "plain", .user)

            try LastAdminGuard.ensureAnotherAdmin(db, besides: plain)  // not an admin: nothing to keep
            try Self.demote(db, second)
            #expect(try Self.admins(db) == [first])
            #expect(throws: APIError.conflict("This is the last admin account: make another user an admin first.")) {
                try LastAdminGuard.ensureAnotherAdmin(db, besides: first)
            }
            try LastAdminGuard.ensureAnotherAdmin(db, besides: plain)
        }
    }

    /// Two admins demote each other at the same moment: the second transaction waits on
    /// the first's row locks, then sees its committed demotion and is refused.
    @Test func twoAdminsDemotingEachOtherLeaveOneAdmin() throws {
        try TestDatabase.withScratchSchema { first, schema throws in
            try Self.users(first)
            let ann = try Self.insert(first, "ann", .admin)
            let bob = try Self.insert(first, "bob", .admin)
            let observer = try TestDatabase.connect()

            try first.execute("BEGIN")
            try Self.demote(first, bob)  // ann demotes bob; not committed yet

            // The racer opens its own connection: a connection belongs to one thread.
            let secondPID = Locked<Int64?>(nil)
            let outcome = Locked<Result<Void, any Error>?>(nil)
            let racer = Thread {
                let result = Result<Void, any Error> {
                    let second = try TestDatabase.connect()
                    try second.execute("SET search_path TO \(schema)")
                    let pid = try second.query("SELECT pg_backend_pid()").first!.int64(0)
                    secondPID.withValue { $0 = pid }
                    do {
                        try second.execute("BEGIN")
                        try Self.demote(second, ann)  // bob demotes ann
                        try second.execute("COMMIT")
                    } catch {
                        _ = try? second.execute("ROLLBACK")
                        throw error
                    }
                }
                outcome.withValue { $0 = result }
            }
            racer.start()

            // Commit only once the racer is blocked on a row lock, so the two overlap.
            var waited = false
            for _ in 0..<200 where !waited {
                guard let pid = secondPID.withValue({ $0 }) else { usleep(10_000); continue }
                let state = try observer.query("SELECT wait_event_type FROM pg_stat_activity WHERE pid = \(pid)")
                waited = try state.first?.optionalString(0) == "Lock"
                if !waited { usleep(10_000) }
            }
            #expect(waited, "the second demotion waits for the first transaction's locks")
            try first.execute("COMMIT")

            var result: Result<Void, any Error>?
            for _ in 0..<500 where result == nil {
                usleep(10_000)
                result = outcome.withValue { $0 }
            }
            guard case .failure(let error)? = result else {
                Issue.record("the second demotion was not refused: \(String(describing: result))")
                return
            }
            #expect(error as? APIError == .conflict("This is the last admin account: make another user an admin first."))
            #expect(try Self.admins(first) == [ann])
        }
    }
}
