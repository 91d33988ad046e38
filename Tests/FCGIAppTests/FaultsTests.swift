import Core
import Foundation
import Testing

/// Fault tests under a steady wrk load through nginx: reloads, killed workers, a hung
/// handler, pool resizing, a PostgreSQL outage and a graceful stop.
///
/// `make faults` (scripts/faults.sh) runs them against a throwaway stack of their own,
/// started with `CATALOG_ENABLE_TEST_ROUTES=1` (for `GET /__test/sleep`),
/// `CATALOG_TIMEOUT=2` and `CATALOG_FAULTS=1`; `make test` skips them. Each is bounded
/// (seconds) and uses loopback only.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CATALOG_FAULTS"] == "1", "run by `make faults`"))
struct FaultsTests {
    static var master: pid_t { TestStack.masterPID }

    static func configuredWorkers() throws -> Int { PM.int(try PM.status(), "configured_workers") }

    /// Waits until the pool is whole again: `count` ready workers, none retiring, and the
    /// status file written by the current master.
    @discardableResult
    static func waitForFullPool(_ count: Int, seconds: Double = 10) throws -> Bool {
        try PM.waitUntil(seconds) {
            guard let master = PM.currentMasterPID(), let status = try? PM.status(), PM.int(status, "master_pid") == Int(master) else { return false }
            let workers = PM.workers(status)
            return workers.count == count && workers.allSatisfy { $0["ready"] == .bool(true) && $0["retiring"] == .bool(false) }
                && TestStack.children(of: master).count == count
        }
    }

    @Test func hupFiveTimesUnderLoadAnswersEveryRequest() throws {
        let workers = try Self.configuredWorkers()
        let reloadsBefore = PM.counter(try PM.status(), "reloads")
        // POSTs beside the GET load: nginx retries a GET that meets a kept connection
        // closed under it, never a POST, so only these show a retiring worker closing a
        // connection while nginx sends on it.
        let admin = Auth.admin
        let writers = (1...4).map { Writer(tag: TestStack.uniqueTag("reload-\($0)"), headers: admin) }
        let load = try LoadRun(path: "/products?limit=5", seconds: 9, connections: 16)
        writers.forEach { $0.start() }
        usleep(800_000)
        for round in 1...5 {
            #expect(kill(Self.master, SIGHUP) == 0)
            let done = try PM.waitUntil(8) { PM.counter(try PM.status(), "reloads") >= reloadsBefore + round }
            #expect(done, "reload \(round) completed")
            usleep(400_000)
        }
        let result = load.wait()
        let writes = writers.flatMap { $0.stop() }
        let refused = writes.filter { $0.status != 201 }.map(\.status)
        print("faults: HUP x5 under load: \(result.requests) requests, \(result.non2xx) non-2xx, \(result.socketErrors) socket errors; \(writes.count) POSTs, \(refused.count) not created")
        #expect(result.requests > 500, "the load ran: \(result.text)")
        #expect(result.non2xx == 0 && result.socketErrors == 0, "no request failed during five reloads: \(result.text)")
        #expect(writes.count > 50, "the POSTs ran: \(writes.count)")
        #expect(refused.isEmpty, "every POST during five reloads was created: \(refused.prefix(10))")
        #expect(try Self.waitForFullPool(workers))
        let status = try PM.status()
        #expect(Set(PM.workers(status).map { PM.int($0, "generation") }) == [PM.int(status, "generation")], "only the newest generation is left")
    }

    @Test func sigkillOfRandomWorkersFailsOnlyTheirInFlightRequests() throws {
        let workers = try Self.configuredWorkers()
        let load = try LoadRun(path: "/products?limit=5", seconds: 11, connections: 16)
        usleep(500_000)
        var kills = 0
        var previous = Set(TestStack.children(of: Self.master))
        for _ in 0..<10 {
            // A worker that was already there a second ago (so it is serving, not starting).
            let current = Set(TestStack.children(of: Self.master))
            if let victim = current.intersection(previous).randomElement(), kill(victim, SIGKILL) == 0 { kills += 1 }
            previous = current
            usleep(1_000_000)
        }
        let during = load.wait()
        #expect(try Self.waitForFullPool(workers), "every killed worker was replaced")
        let after = try LoadRun(path: "/products?limit=5", seconds: 3, connections: 16).wait()
        print("faults: SIGKILL x\(kills): \(during.requests) requests, \(during.non2xx) failed during; \(after.requests) requests, \(after.failures) failed after")
        #expect(kills >= 8)
        #expect(during.socketErrors == 0, "\(during.text)")
        #expect(during.non2xx <= kills, "at most the one in-flight request of each killed worker fails: \(during.non2xx) for \(kills) kills")
        #expect(after.requests > 100 && after.failures == 0, "none after: \(after.text)")
        #expect(PM.logText().contains("msg=\"worker died; replacing it\""))
    }

    @Test func aHandlerStuckPastTheTimeoutIsKilledReplacedAndLogged() throws {
        let workers = try Self.configuredWorkers()
        let status = try PM.status()
        let timeout = Double({ if case .number(let text)? = status["timeout_s"] { return text }; return "30" }()) ?? 30
        try #require(timeout <= 5, "the fault stack runs with CATALOG_TIMEOUT=2 (got \(timeout))")
        let timedOutBefore = PM.counter(status, "workers_timed_out")
        let requestID = TestStack.uniqueTag("fault-timeout")

        let started = Date()
        let response = try HTTP.get("/__test/sleep?seconds=\(Int(timeout * 5))", headers: [("X-Request-ID", requestID)])
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 502, "nginx answers 502 for the killed worker's request: \(response.status)")
        #expect(elapsed >= timeout && elapsed < timeout + 2, "killed after the timeout (\(timeout) s), not the sleep: \(elapsed) s")

        let line = PM.logText().split(separator: "\n").first { $0.contains("msg=\"worker timed out; killing it\"") && $0.contains(requestID) }
        #expect(line != nil, "the timeout is logged with the request id")
        if let line {
            for field in ["method=GET", "path=/__test/sleep", "request_id=\(requestID)", "seconds=", "worker_pid="] {
                #expect(line.contains(field), "the log line names \(field): \(line)")
            }
        }
        #expect(try Self.waitForFullPool(workers), "the killed worker is replaced")
        #expect(PM.counter(try PM.status(), "workers_timed_out") == timedOutBefore + 1)
        #expect(try HTTP.get("/healthz").status == 200)
    }

    @Test func ttinAndTtouChangeThePoolSizeReportedByCatalogStatus() throws {
        let workers = try Self.configuredWorkers()
        func expectPool(_ count: Int, _ what: String) throws {
            let whole = try Self.waitForFullPool(count)
            #expect(whole, "\(what): \(count) workers")
            let text = try PM.run(PM.catalogBinary, ["status", "--status-file", TestStack.required("CATALOG_STATUS_FILE")]).stdout
            #expect(text.contains("configured workers:   \(count)\n") && text.contains("total processes:      \(count)\n"), "\(what): \(text)")
        }
        kill(Self.master, SIGTTIN)
        try expectPool(workers + 1, "after TTIN")
        kill(Self.master, SIGTTIN)
        try expectPool(workers + 2, "after a second TTIN")
        kill(Self.master, SIGTTOU)
        try expectPool(workers + 1, "after TTOU")
        kill(Self.master, SIGTTOU)
        try expectPool(workers, "after a second TTOU")
        #expect(PM.logText().contains("msg=\"pool size decreased (TTOU)\""))
    }

    @Test func aPostgresOutageFailsFastWith503AndLosesNoAcknowledgedWrite() throws {
        let runDirectory = TestStack.required("CATALOG_RUN_DIR")
        let admin = Auth.admin  // log in before the outage
        let tag = TestStack.uniqueTag("outage")
        let writer = Writer(tag: tag, headers: admin)
        writer.start()
        usleep(800_000)

        let stopped = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-stop", runDirectory])
        try #require(stopped.status == 0, "pg-stop: \(stopped.stderr)")
        var outage: [(status: Int, seconds: Double, retryAfter: String?)] = []
        let outageEnd = Date().addingTimeInterval(5)
        while Date() < outageEnd {
            let started = Date()
            // Past nginx's response cache (which answers warm reads during an outage, the
            // next test): this one is about the service failing fast.
            let response = try HTTP.get("/products?limit=1", headers: [("Cache-Control", "no-cache")])
            outage.append((response.status, Date().timeIntervalSince(started), response.header("Retry-After")))
            usleep(50_000)
        }
        let restarted = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-start", runDirectory])
        try #require(restarted.status == 0, "pg-start: \(restarted.stderr)")
        let back = Date()
        var recovered: Double?
        while Date().timeIntervalSince(back) < 5 {
            if try HTTP.get("/products?limit=1", headers: [("Cache-Control", "no-cache")]).status == 200 { recovered = Date().timeIntervalSince(back); break }
            usleep(50_000)
        }
        usleep(800_000)
        let writes = writer.stop()

        let slowest = outage.map(\.seconds).max() ?? 0
        print("faults: PostgreSQL outage: \(outage.count) requests, statuses \(Set(outage.map(\.status)).sorted()), slowest \(String(format: "%.3f", slowest)) s; recovered after \(recovered.map { String(format: "%.2f", $0) } ?? "never") s; writes: \(writes.filter { $0.status == 201 }.count) acknowledged, \(writes.filter { $0.status == 503 }.count) refused")
        #expect(outage.count > 20)
        #expect(outage.allSatisfy { $0.status == 503 }, "503 during the outage: \(outage.map(\.status))")
        #expect(outage.allSatisfy { $0.retryAfter != nil }, "with Retry-After")
        #expect(slowest < 1, "fail fast, no hang: slowest \(slowest) s")
        #expect(recovered != nil && recovered! <= 2, "succeeds again within 2 s: \(String(describing: recovered))")

        #expect(writes.contains { $0.status == 503 }, "writes were refused during the outage")
        #expect(writes.allSatisfy { $0.status == 201 || $0.status == 503 }, "writes: \(Set(writes.map(\.status)))")
        let acknowledged = Set(writes.filter { $0.status == 201 }.compactMap(\.id))
        #expect(acknowledged.count >= 5, "writes succeeded before and after the outage")
        let stored = Set(try TestStack.database().query("SELECT id FROM products WHERE name LIKE \(tag + "-%")").rows.map { try $0.int64(0) })
        #expect(acknowledged.isSubset(of: stored), "every acknowledged write is stored: missing \(acknowledged.subtracting(stored))")
    }

    /// The response cache's promise during an outage: warm anonymous reads go on
    /// answering 200 (stale, within `stale-if-error`), then the real error once an entry
    /// is older than that (`ResponseCachePolicy`).
    @Test func duringAFiveSecondPostgresStopWarmAnonymousReadsAnswer200() throws {
        let runDirectory = TestStack.required("CATALOG_RUN_DIR")
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("warm"))
        let paths = ["/products/\(id)", "/products/\(id)/offers", "/products?limit=2", "/openapi.json"]
        for path in paths { #expect(try HTTP.get(path).status == 200, "warm \(path)") }
        let warmed = Date()

        let stopped = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-stop", runDirectory])
        try #require(stopped.status == 0, "pg-stop: \(stopped.stderr)")
        let stoppedAt = Date()
        var outage: [(path: String, status: Int, cache: String?)] = []
        while Date().timeIntervalSince(stoppedAt) < 5 {
            for path in paths {
                let response = try HTTP.get(path)
                outage.append((path, response.status, response.header("X-Cache-Status")))
            }
            usleep(50_000)
        }
        // Past the cache, the outage is real (a read nobody warmed would be a 503 too).
        let uncached = try HTTP.get("/products/\(id)", headers: [("Cache-Control", "no-cache")])
        let restarted = try PM.run(PM.repository + "/scripts/stack.sh", ["pg-start", runDirectory])
        try #require(restarted.status == 0, "pg-start: \(restarted.stderr)")
        let seconds = Date().timeIntervalSince(warmed)

        let statuses = Dictionary(grouping: outage, by: \.status).mapValues(\.count)
        let cache = Dictionary(grouping: outage, by: { $0.cache ?? "-" }).mapValues(\.count)
        print("faults: warm anonymous reads during a 5 s PostgreSQL stop (\(String(format: "%.1f", seconds)) s after warming): \(outage.count) requests, statuses \(statuses), cache \(cache)")
        #expect(outage.count > 40)
        #expect(outage.allSatisfy { $0.status == 200 }, "only 200 while PostgreSQL was down: \(outage.filter { $0.status != 200 }.prefix(5))")
        #expect(uncached.status == 503, "the bypassing read saw the outage: \(uncached.status)")
        #expect(try PM.waitUntil(5) { try HTTP.get("/products/\(id)", headers: [("Cache-Control", "no-cache")]).status == 200 }, "recovered")
    }

    @Test func termDuringLoadLetsInFlightRequestsComplete() throws {
        let master = Self.master
        let workers = try Self.configuredWorkers()
        // How the stack launched the master, to start it again afterwards.
        let argv = try Self.nulSeparated("/proc/\(master)/cmdline")
        var environment: [String: String] = [:]
        for entry in try Self.nulSeparated("/proc/\(master)/environ") {
            if let equals = entry.firstIndex(of: "=") { environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...]) }
        }
        try #require(argv.count > 2 && argv[1] == "serve", "\(argv)")

        let load = try LoadRun(path: "/products?limit=5", seconds: 3, connections: 8)
        let slow = SlowRequests(count: 3, seconds: 1.5)
        slow.start()
        usleep(400_000)
        #expect(kill(master, SIGTERM) == 0)
        let statuses = slow.wait(seconds: 15)
        _ = load.wait()
        let gone = PM.waitUntil(15) { !PM.isAlive(master) }
        print("faults: TERM with 3 requests in flight: \(statuses)")
        #expect(statuses == [200, 200, 200], "in-flight requests complete: \(statuses)")
        #expect(gone, "the master exits")
        let log = PM.logText()
        #expect(log.contains("msg=\"master stopped\""))
        #expect(!log.contains("workers did not stop in time"))

        // Start the stack's master again, as scripts/stack.sh did.
        let logFile = TestStack.required("CATALOG_LOG_FILE")
        _ = try Spawn("/usr/bin/setsid", argv, environment: environment, stdout: logFile, stderr: logFile, detached: true)
        #expect(PM.waitUntil(15) { PM.currentMasterPID().map { $0 != master && PM.isAlive($0) } ?? false })
        #expect(try Self.waitForFullPool(workers, seconds: 15))
        #expect(try PM.waitUntil(10) { (try? HTTP.get("/healthz").status) == 200 })
    }

    static func nulSeparated(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Creates products in a loop on a background thread and records every answer.
final class Writer: @unchecked Sendable {
    struct Write { let status: Int; let id: Int64? }
    private let lock = NSLock()
    private var writes: [Write] = []
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)
    private let tag: String
    private let headers: [(String, String)]

    init(tag: String, headers: [(String, String)]) {
        self.tag = tag
        self.headers = headers
    }

    func start() {
        let thread = Thread { [self] in
            var index = 0
            while !lock.withLock({ stopping }) {
                index += 1
                let body: JSONValue = ["name": .string("\(tag)-\(index)"), "description": "outage test", "price": .number("1.00")]
                let response = try? HTTP.send("POST", "/products", json: body, headers: headers)
                var id: Int64?
                if case .number(let text)? = response?["id"] { id = Int64(text) }
                lock.withLock { writes.append(Write(status: response?.status ?? 0, id: id)) }
                usleep(40_000)
            }
            done.signal()
        }
        thread.start()
    }

    func stop() -> [Write] {
        lock.withLock { stopping = true }
        _ = done.wait(timeout: .now() + 30)
        return lock.withLock { writes }
    }
}

/// Several slow requests (`/__test/sleep`) in flight at once, on background threads.
final class SlowRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    private let group = DispatchGroup()
    private let count: Int
    private let seconds: Double

    init(count: Int, seconds: Double) {
        self.count = count
        self.seconds = seconds
    }

    func start() {
        for _ in 0..<count {
            group.enter()
            let thread = Thread { [self] in
                let status = (try? HTTP.get("/__test/sleep?seconds=\(seconds)").status) ?? 0
                lock.withLock { statuses.append(status) }
                group.leave()
            }
            thread.start()
        }
    }

    func wait(seconds: Double) -> [Int] {
        _ = group.wait(timeout: .now() + seconds)
        return lock.withLock { statuses }
    }
}
