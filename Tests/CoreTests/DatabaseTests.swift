import Core
import Testing

/// The libpq layer against the real PostgreSQL: parameters, decoding, errors, reconnects.
@Suite struct DatabaseTests {
    @Test(arguments: StatementMode.allCases)
    func bindsParametersAndDecodesTypedColumns(mode: StatementMode) throws {
        let db = try TestDatabase.connect(mode: mode)
        let big = Int64(9_007_199_254_740_993), hostile = "naïve ' quote; DROP TABLE x", price = Money(cents: 1999)
        let row = try #require(try db.query(
            "SELECT \(big)::bigint, \(hostile)::text, \(true)::bool, NULL::text, now(), \(price)::numeric(12,2)").first)
        #expect(try row.int64(0) == 9_007_199_254_740_993)
        #expect(try row.string(1) == "naïve ' quote; DROP TABLE x")
        #expect(try row.bool(2))
        #expect(try row.optionalString(3) == nil)
        #expect(try row.timestamp(4).hasSuffix("Z"))
        #expect(try row.decode(Money.self, from: 5) == Money(cents: 1999))
    }

    /// Integers and timestamps are decoded from the bytes of libpq's result, without a
    /// `String` in between: the extremes, signs and the exact timestamp form.
    @Test func decodesIntegersAndTimestampsFromTheServersText() throws {
        let db = try TestDatabase.connect()
        let row = try #require(try db.query("""
            SELECT 0::bigint, -1::bigint, 9223372036854775807::bigint, (-9223372036854775807 - 1)::bigint,
                   '2026-11-23 10:00:00.123456+00'::timestamptz, '1999-12-31 23:59:59+00'::timestamptz,
                   'abc'::text, ''::text, NULL::bigint
            """).first)
        #expect(try row.int64(0) == 0)
        #expect(try row.int64(1) == -1)
        #expect(try row.int64(2) == Int64.max)
        #expect(try row.int64(3) == Int64.min)
        #expect(try row.timestamp(4) == "2026-11-23T10:00:00Z")
        #expect(try row.timestamp(5) == "1999-12-31T23:59:59Z")
        #expect(throws: DatabaseError.self) { try row.int64(6) }
        #expect(throws: DatabaseError.self) { try row.int64(7) }
        #expect(throws: DatabaseError.self) { try row.int64(8) }
        #expect(try row.optionalInt64(8) == nil)
        #expect(throws: DatabaseError.self) { try row.timestamp(6) }
        #expect(Timestamp.rfc3339(fromPostgres: "2026-11-23 10:00:00+01") == nil, "only UTC text is accepted")
        #expect(Timestamp.rfc3339(fromPostgres: "2026-11-23 10:00:00+00") == "2026-11-23T10:00:00Z")
    }

    @Test func refusesNULInTextParameters() throws {
        let db = try TestDatabase.connect()
        #expect(throws: DatabaseError.invalidParameter("a text parameter contains NUL")) {
            try db.query("SELECT \("a\u{0}b")::text")
        }
    }

    @Test func serverErrorsCarrySQLStateAndConstraint() throws {
        try TestDatabase.withScratchSchema { db, _ throws in
            try db.execute("CREATE TABLE u (email text CONSTRAINT u_email_key UNIQUE)")
            try db.query("INSERT INTO u VALUES (\("a@example.com"))")
            do {
                try db.query("INSERT INTO u VALUES (\("a@example.com"))")
                Issue.record("duplicate accepted")
            } catch let error as DatabaseError {
                #expect(error.isUniqueViolation)
                #expect(error.constraint == "u_email_key")
                #expect(APIError(error).status == .conflict)
            }
        }
    }

    @Test func statementTimeoutIsEnforcedAndMapsTo503() throws {
        let database = Database(url: TestDatabase.url, transactionTimeoutMilliseconds: 200, logger: TestDatabase.logger)
        do {
            _ = try database.transaction { db in try db.query("SELECT pg_sleep(2)") }
            Issue.record("the statement should have been cancelled")
        } catch let error as DatabaseError {
            #expect(error.sqlState == DatabaseError.SQLState.queryCanceled)
            #expect(APIError(error).status == .serviceUnavailable)
        }
        let after = try database.read { db in try db.query("SHOW statement_timeout").first!.string(0) }
        #expect(after == "5s", "SET LOCAL ended with its transaction; the database's default is back")
    }

    /// No session setting travels in the startup packet (a transaction-mode PgBouncer
    /// refuses `options`): a bare connection gets what the decoders and the workers rely
    /// on from the database's own defaults (migration 0010, `catalog migrate`).
    @Test(arguments: StatementMode.allCases)
    func aBareConnectionHasTheServicesSessionSettingsFromTheDatabase(mode: StatementMode) throws {
        let db = try TestDatabase.connect(mode: mode)
        let row = try #require(try db.query("""
            SELECT current_setting('statement_timeout'), current_setting('TimeZone'), current_setting('DateStyle'),
                   (SELECT source FROM pg_settings WHERE name = 'statement_timeout')
            """).first)
        #expect(try row.string(0) == "5s", "CATALOG_STATEMENT_TIMEOUT_MS's default, set by catalog migrate")
        #expect(try row.string(1) == "UTC")
        #expect(try row.string(2) == "ISO, YMD")
        #expect(try row.string(3) == "database", "it comes from ALTER DATABASE, not from the client")
    }

    @Test func aReadIsRetriedOnAFreshConnectionAfterTheOldOneDied() throws {
        let database = Database(url: TestDatabase.url, logger: TestDatabase.logger)
        let pid = try database.read { db in try db.query("SELECT pg_backend_pid()").first!.int64(0) }
        // Kill the backend from another session, as a PostgreSQL restart would.
        try TestDatabase.connect().query("SELECT pg_terminate_backend(\(pid)::int)")
        let newPID = try database.read { db in try db.query("SELECT pg_backend_pid()").first!.int64(0) }
        #expect(newPID != pid)
        #expect(database.reconnects == 1)
    }

    @Test func aWriteIsNotRetriedAfterItsStatementWasSent() throws {
        let database = Database(url: TestDatabase.url, logger: TestDatabase.logger)
        let killer = try TestDatabase.connect()
        var attempts = 0
        do {
            try database.transaction { db in
                attempts += 1
                let pid = try db.query("SELECT pg_backend_pid()").first!.int64(0)
                try killer.query("SELECT pg_terminate_backend(\(pid)::int)")
                try db.query("SELECT 1")
            }
            Issue.record("the transaction should fail")
        } catch let error as DatabaseError {
            if case .connectionLost = error {} else { Issue.record("unexpected \(error)") }
            #expect(APIError(error).status == .serviceUnavailable)
        }
        #expect(attempts == 1, "the body ran once")
        #expect(try database.read { db in try db.query("SELECT 1").rowCount } == 1, "and the next request reconnects")
    }

    @Test func anUnreachableDatabaseIsUnavailableQuickly() throws {
        let start = ContinuousClock.now
        #expect(throws: DatabaseError.self) {
            try PostgresConnection(url: "postgres://nobody:x@127.0.0.1:1/none")
        }
        #expect(ContinuousClock.now - start < .seconds(2))
        do {
            _ = try PostgresConnection(url: "postgres://nobody:x@127.0.0.1:1/none")
        } catch {
            #expect(APIError(error).status == .serviceUnavailable)
            #expect(APIError(error).response.headers[.retryAfter] != nil)
        }
    }
}
