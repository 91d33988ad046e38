import Core
import Foundation
import Testing
import TestSupport

/// Catalog through a real PgBouncer 1.18 in transaction mode whose pool holds a single
/// server connection (scripts/stack.sh --pgbouncer, from deploy/pgbouncer.ini), with
/// only `DATABASE_URL` pointing at it: the command-line tools, a two-worker pool behind
/// nginx, the sync job. One server connection lent to each transaction in turn is the
/// harshest case for anything that relies on session state.
@Suite(.serialized) struct PgBouncerTests {
    static var poolerURL: String { TestStack.required("CATALOG_PGBOUNCER_URL") }

    /// The environment of a process whose only database setting is the pooler.
    static func pooledEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = poolerURL
        environment["CATALOG_DB_STATEMENTS"] = nil
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        return environment
    }

    @Test func theServicesSessionSettingsHoldOnEveryPooledConnection() throws {
        let pooled = try PostgresConnection(url: Self.poolerURL)
        let row = try #require(try pooled.query(
            "SELECT current_setting('statement_timeout'), current_setting('TimeZone'), current_setting('DateStyle'), current_user").first)
        #expect(try row.string(0) == "5s", "SHOW statement_timeout through the pooler, as the service's role: not 0")
        #expect(try row.string(1) == "UTC")
        #expect(try row.string(2) == "ISO, YMD")
        #expect(try row.string(3) == "catalog")
        #expect(try pooled.execute("SHOW statement_timeout").first?.string(0) == "5s")
    }

    /// Two clients, one server connection in turn: unnamed statements work from both,
    /// while named ones (what `CATALOG_DB_STATEMENTS=prepared` sends) collide on the
    /// shared server connection, which is why unnamed is the default.
    @Test func twoClientsShareTheOneServerConnectionWithUnnamedStatementsOnly() throws {
        let first = try PostgresConnection(url: Self.poolerURL)
        let second = try PostgresConnection(url: Self.poolerURL)
        var pids: Set<Int64> = []
        for round in 0..<5 {
            for connection in [first, second] {
                let row = try #require(try connection.query("SELECT pg_backend_pid(), \(round)::int + 1").first)
                pids.insert(try row.int64(0))
                #expect(try row.int64(1) == Int64(round + 1))
            }
        }
        #expect(pids.count == 1, "the pool holds one server connection, lent to both clients: \(pids)")

        let preparedA = try PostgresConnection(url: Self.poolerURL, mode: .prepared)
        let preparedB = try PostgresConnection(url: Self.poolerURL, mode: .prepared)
        _ = try? preparedA.query("SELECT 1")
        #expect(throws: DatabaseError.self, "the second client's statement name is taken on the shared server connection") {
            try preparedB.query("SELECT 2")
            try preparedB.query("SELECT 1")
        }
    }

    @Test func adminCreateWorksThroughThePooler() throws {
        let email = "\(TestStack.uniqueTag("pgb-admin"))@example.com"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestStack.required("CATALOG_BIN"))
        process.arguments = ["admin", "create", "--email", email, "--name", "Pooled Admin", "--password-stdin"]
        process.environment = Self.pooledEnvironment()
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data("pooled admin password\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("created admin \(email)"), "\(text)")
        let role = try TestStack.database().query("SELECT role FROM users WHERE email = \(email)").first?.string(0)
        #expect(role == "admin")
    }

    @Test func aTwoWorkerPoolServesConcurrentReadsAndARegistrationThroughOneServerConnection() throws {
        let productID = try Fixtures.createProduct(name: TestStack.uniqueTag("pgb-product"))
        let ports = try PM.freePorts(2)
        let pool = try PrivatePool(port: ports[0], arguments: ["--workers", "2"], environment: ["DATABASE_URL": Self.poolerURL])
        defer { pool.stop() }
        try #require(try pool.waitReady(workers: 2), "\(pool.log.suffix(2000))")
        let nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"])
        defer { nginx.stop() }
        let uncached = [("Cache-Control", "no-cache")]

        // Concurrent GETs from several clients, each answered by one of the two workers.
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { lane in
            for _ in 0..<15 {
                do {
                    let path = lane.isMultiple(of: 2) ? "/products/\(productID)" : "/products?limit=5"
                    let response = try HTTP.send("GET", path, headers: uncached, port: ports[1])
                    if response.status != 200 { failures.withValue { $0.append("\(path): \(response.status) \(response.text.prefix(200))") } }
                } catch {
                    failures.withValue { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withValue { $0 }.isEmpty, "\(failures.withValue { $0 }.prefix(5))\n\(pool.log.suffix(1500))")

        // A registration (a transaction with a password hash), then that user's own reads.
        let email = "\(TestStack.uniqueTag("pgb-user"))@example.com"
        let body = JSONValue.object(["email": .string(email), "password": "pooled-pass-1", "name": "Pooled"]).encoded
        var registered = try HTTP.send("POST", "/register", headers: [("Content-Type", "application/json")], body: body, port: ports[1])
        for _ in 0..<20 where registered.status == 503 {  // a busy hashing slot: retry as a client would
            usleep(300_000)
            registered = try HTTP.send("POST", "/register", headers: [("Content-Type", "application/json")], body: body, port: ports[1])
        }
        #expect(registered.status == 201, "\(registered.status) \(registered.text)")
        let id = try TestStack.database().query("SELECT id FROM users WHERE email = \(email)").first?.int64(0)
        #expect(id != nil, "the registration was committed")

        // A steady load through the pooled pool fails nothing.
        let load = try LoadRun(path: "/products/\(productID)", seconds: 3, connections: 4, port: ports[1])
        let result = load.wait()
        #expect(result.requests > 20 && result.failures == 0, "\(result.text)\n\(pool.log.suffix(1500))")

        let serverConnections = try TestStack.database().query("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND client_addr IS NOT NULL
            """).first!.int64(0)
        #expect(serverConnections <= 1, "the pooler holds at most its one server connection: \(serverConnections)")
    }

    @Test func syncRunsWorkThroughThePoolerOneAfterTheOtherAndOneAtATime() throws {
        defer { try? Standin.reset() }
        try OfferSync.newProduct("pgb-sync")
        let pooled: [String: String?] = ["DATABASE_URL": Self.poolerURL]
        for attempt in 1...2 {
            let run = try OfferSync.run(environment: pooled)
            #expect(run.status == 0 && run.summary.hasPrefix("sync-offers: registered="), "run \(attempt): \(run)")
            #expect((run.count("refreshed") ?? 0) + (run.count("unchanged") ?? 0) >= 1, "run \(attempt) did the work: \(run.summary)")
        }

        try Standin.control(["latency_ms": 1000])  // the first run holds the lease for seconds
        let first = try OfferSync.start([], environment: pooled)
        let db = try TestStack.database()
        #expect(try PM.waitUntil(10) {
            try db.query("SELECT count(*) FROM offer_sync_lease WHERE expires_at > now()").first!.int64(0) == 1
        }, "the first run holds the lease")
        let second = try OfferSync.run(environment: pooled)
        #expect(second.status == 0 && second.summary.hasPrefix("sync-offers: skipped"), "\(second)")
        let firstRun = try first.finish()
        #expect(firstRun.status == 0 && firstRun.summary.hasPrefix("sync-offers: registered="), "\(firstRun)")
    }
}
