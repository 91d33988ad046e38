import Core
import Foundation
import Testing

/// Anonymous reads from a real streaming hot standby (scripts/stack.sh --standby, made
/// with pg_basebackup -R): a private pool with `DATABASE_READ_URL` behind its own nginx.
/// The standby's replay is paused to make it lag on purpose (the stack lets the service's
/// role call pg_wal_replay_pause), so where an answer came from shows in the answer.
@Suite(.serialized) struct ReadReplicaTests {
    static var standbyURL: String { TestStack.required("CATALOG_STANDBY_URL") }
    static let uncached = [("Cache-Control", "no-cache")]

    /// A pool reading from the standby, behind nginx; `maxLag` bytes of WAL received but
    /// not replayed are tolerated.
    final class ReplicaPool {
        let pool: PrivatePool
        let nginx: PrivateNginx
        var port: UInt16 { nginx.port }

        init(maxLag: Int, retrySeconds: Int = 1) throws {
            let ports = try PM.freePorts(2)
            pool = try PrivatePool(port: ports[0], arguments: ["--workers", "1"], environment: [
                "DATABASE_READ_URL": ReadReplicaTests.standbyURL,
                "CATALOG_READ_MAX_LAG_BYTES": String(maxLag),
                "CATALOG_READ_RETRY_SECONDS": String(retrySeconds),
            ])
            guard try pool.waitReady(workers: 1) else { throw HTTP.Failure(description: "pool not ready: \(pool.log.suffix(1500))") }
            nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"])
        }

        func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPResult {
            try HTTP.send("GET", path, headers: ReadReplicaTests.uncached + headers, port: port)
        }

        func replicaState() throws -> String? {
            let ready = try get("/readyz")
            guard case .array(let databases)? = ready["databases"] else { return nil }
            for case .object(let object) in databases where object["name"] == .string("replica1") {
                if case .string(let state)? = object["state"] { return state }
            }
            return nil
        }

        func stop() {
            nginx.stop()
            pool.stop()
        }
    }

    static func standby() throws -> PostgresConnection { try PostgresConnection(url: standbyURL) }

    /// Waits until the standby has replayed everything the primary wrote so far.
    static func waitForStandbyToCatchUp() throws {
        let target = try TestStack.database().query("SELECT pg_current_wal_lsn()::text").first!.string(0)
        let standby = try standby()
        let caughtUp = try PM.waitUntil(10) {
            try standby.query("SELECT pg_last_wal_replay_lsn() >= \(target)::pg_lsn").first!.bool(0)
        }
        try #require(caughtUp, "the standby replays the primary's WAL")
    }

    @Test func anonymousReadsGoToAFreshReplicaSignedInReadsToThePrimaryAndALaggingReplicaIsSkipped() throws {
        let tolerant = try ReplicaPool(maxLag: 1 << 30)
        defer { tolerant.stop() }
        let strict = try ReplicaPool(maxLag: 0)
        defer { strict.stop() }
        let standby = try Self.standby()
        try Self.waitForStandbyToCatchUp()
        #expect(try tolerant.replicaState() == "up")

        try standby.query("SELECT pg_wal_replay_pause()")
        defer { _ = try? standby.query("SELECT pg_wal_replay_resume()") }
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("replica"))
        // The standby receives the new product's WAL but does not replay it.
        #expect(try PM.waitUntil(5) {
            try standby.query("SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) > 0").first!.bool(0)
        }, "the standby lags by WAL received, not replayed")

        let anonymous = try tolerant.get("/products/\(id)")
        #expect(anonymous.status == 404, "a replica within the (huge) bound answers anonymous reads: it has not replayed the product yet")
        let signedIn = try tolerant.get("/products/\(id)", headers: Auth.admin)
        #expect(signedIn.status == 200, "a signed-in caller reads from the primary, so a writer sees its own writes")

        usleep(1_200_000)  // past the strict pool's next look at the replica
        #expect(try strict.get("/products/\(id)").status == 200, "past the bound the replica is skipped: the primary answers")
        #expect(try strict.replicaState() == "lagging")

        try standby.query("SELECT pg_wal_replay_resume()")
        #expect(try PM.waitUntil(10) { try tolerant.get("/products/\(id)").status == 200 }, "once replayed, the replica has it too")
        #expect(try PM.waitUntil(5) { try strict.replicaState() == "up" }, "and the strict pool uses the replica again")
        let metrics = try HTTP.send("GET", "/metrics", port: tolerant.port).text
        #expect(metrics.contains("catalog_database_endpoint_up{endpoint=\"primary\",role=\"primary\",state=\"up\"} 1"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("catalog_database_endpoint_up{endpoint=\"replica1\",role=\"replica\",state=\"up\"} 1"))
        #expect(metrics.contains("catalog_database_replica_lag_bytes{endpoint=\"replica1\"}"))
    }

    @Test func aStandbyThatStopsFailsNoRequestAndIsUsedAgainWhenItIsBack() throws {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("replica-stop"))
        try Self.waitForStandbyToCatchUp()
        let replica = try ReplicaPool(maxLag: 1 << 20)
        defer { replica.stop() }
        #expect(try replica.replicaState() == "up")
        let runDirectory = TestStack.required("CATALOG_RUN_DIR")

        let load = try LoadRun(path: "/products/\(id)", seconds: 4, connections: 4, port: replica.port)
        usleep(1_000_000)
        let stopped = try PM.run(PM.repository + "/scripts/stack.sh", ["standby-stop", runDirectory])
        let result = load.wait()
        try #require(stopped.status == 0, "standby-stop: \(stopped.stderr)")
        defer { _ = try? PM.run(PM.repository + "/scripts/stack.sh", ["standby-start", runDirectory]) }
        #expect(result.requests > 20 && result.failures == 0, "the primary took over without a failed request: \(result.text)")
        #expect(try replica.replicaState() == "down")
        #expect(try replica.get("/readyz")["status"] == .string("ready"))

        let started = try PM.run(PM.repository + "/scripts/stack.sh", ["standby-start", runDirectory])
        try #require(started.status == 0, "standby-start: \(started.stderr)")
        #expect(try PM.waitUntil(10) { try replica.replicaState() == "up" }, "retried after CATALOG_READ_RETRY_SECONDS")
    }

    @Test func withThePrimaryDownAnonymousReadsComeFromTheReplicaAndWritesAre503() throws {
        let admin = Auth.admin  // signed in before the outage
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("replica-outage"))
        try Self.waitForStandbyToCatchUp()
        let replica = try ReplicaPool(maxLag: 1 << 20)
        defer { replica.stop() }
        let runDirectory = TestStack.required("CATALOG_RUN_DIR")

        let load = try LoadRun(path: "/products/\(id)", seconds: 4, connections: 4, port: replica.port)
        usleep(1_000_000)
        let stopped = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-stop", runDirectory])
        try #require(stopped.status == 0, "pg-stop: \(stopped.stderr)")
        defer { _ = try? PM.run(PM.repository + "/scripts/stack.sh", ["pg-start", runDirectory]) }
        let result = load.wait()
        #expect(result.requests > 20 && result.failures == 0, "no anonymous GET failed with the primary down: \(result.text)")

        #expect(try replica.get("/products/\(id)").status == 200)
        let write = try HTTP.send("POST", "/products", headers: [("Content-Type", "application/json")] + admin,
                                  body: JSONValue.object(["name": "during outage", "price": "1.00"]).encoded, port: replica.port)
        #expect(write.status == 503 && write.header("Retry-After") != nil, "\(write.status) \(write.text)")
        let ready = try replica.get("/readyz")
        #expect(ready.status == 200 && ready["status"] == .string("read_only"), "\(ready.text)")
        let metrics = try HTTP.send("GET", "/metrics", port: replica.port).text
        #expect(metrics.contains("catalog_database_endpoint_up{endpoint=\"primary\",role=\"primary\",state=\"down\"} 0"), "\(metrics.prefix(2000))")

        let restarted = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-start", runDirectory])
        try #require(restarted.status == 0, "pg-start: \(restarted.stderr)")
        #expect(try PM.waitUntil(10) { try replica.get("/readyz")["status"] == .string("ready") })
    }
}
