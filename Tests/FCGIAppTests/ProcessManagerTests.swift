import Core
import Foundation
import Testing

/// The process manager in `make test`: the scoreboard through `/metrics` and
/// `catalog status`, recycling after --max-requests, the start-failure give-up, systemd
/// notifications and socket activation, and the systemd units themselves. The fault
/// tests under load (reload, kills, timeouts, PostgreSQL outage, stop) are FaultsTests,
/// run by `make faults`.
@Suite(.serialized) struct ProcessManagerTests {
    @Test func metricsAggregateEveryWorkersRequestsInPrometheusFormat() throws {
        let before = try HTTP.get("/metrics")
        #expect(before.status == 200)
        #expect(before.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let countBefore = Self.sample(before.text, "catalog_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}") ?? 0

        // Enough requests that several workers serve some: /metrics must count them all.
        for _ in 0..<40 { _ = try HTTP.get("/healthz") }
        let after = try HTTP.get("/metrics").text
        let countAfter = Self.sample(after, "catalog_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}") ?? 0
        #expect(countAfter - countBefore == 40, "every worker's requests are aggregated: \(countBefore) → \(countAfter)")

        for family in ["catalog_http_request_duration_seconds histogram", "catalog_database_reconnects_total counter",
                       "catalog_workers gauge", "catalog_worker_requests_served gauge", "catalog_worker_peak_rss_bytes gauge",
                       "catalog_worker_exits_total counter", "catalog_reloads_total counter"] {
            #expect(after.contains("# TYPE \(family)\n"), "metric family \(family)")
        }
        #expect(after.contains("catalog_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}"))
        let workers = TestStack.children(of: TestStack.masterPID).count
        let idle = Self.sample(after, "catalog_workers{state=\"idle\"}") ?? 0
        let handling = Self.sample(after, "catalog_workers{state=\"handling\"}") ?? 0
        #expect(idle + handling >= Double(workers - 1), "workers by state cover the pool (\(workers)): \(idle) idle, \(handling) handling")
        #expect(Self.sample(after, "catalog_workers_configured") == Double(workers))
        // Prometheus text: every non-comment line is `name{labels} value`.
        for line in after.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2 && Double(line.split(separator: " ").last!) != nil, "bad sample line: \(line)")
        }
    }

    @Test func statusCommandPrintsThePoolLikePHPFPM() throws {
        let master = TestStack.masterPID
        let children = Set(TestStack.children(of: master))
        _ = try HTTP.get("/products?limit=1", headers: [("X-Request-ID", "pm-status-probe-1")])
        // The master rewrites the status file about once a second.
        var status = try PM.status()
        _ = try PM.waitUntil(3) {
            status = try PM.status()
            return Set(PM.workers(status).compactMap { pid_t(exactly: PM.int($0, "pid")) }) == children
        }
        #expect(PM.int(status, "master_pid") == Int(master))
        #expect(PM.int(status, "configured_workers") == children.count)
        #expect(Set(PM.workers(status).compactMap { pid_t(exactly: PM.int($0, "pid")) }) == children, "one entry per live worker")
        #expect(status["state"] == .string("running"))
        let served = PM.workers(status).map { PM.int($0, "requests") }.reduce(0, +)
        #expect(served > 0)

        let text = try PM.run(PM.catalogBinary, ["status", "--status-file", TestStack.required("CATALOG_STATUS_FILE")])
        #expect(text.status == 0, "exit status: \(text.stderr)")
        for label in ["pool:", "process manager:", "master pid:", "idle processes:", "active processes:", "total processes:",
                      "accepted requests:", "PID", "STATE", "REQS"] {
            #expect(text.stdout.contains(label), "`catalog status` shows \(label)")
        }
        #expect(text.stdout.contains("master pid:           \(master)"))
        for pid in children { #expect(text.stdout.contains("\n\(pid) "), "a line for worker \(pid)") }

        let missing = try PM.run(PM.catalogBinary, ["status", "--status-file", "/nonexistent/status.json"])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read"))
    }

    @Test func workersRecycleAfterMaxRequestsWithoutAFailedRequest() throws {
        let ports = try PM.freePorts(2)
        let pool = try PrivatePool(port: ports[0], arguments: ["--workers", "2", "--max-requests", "15", "--max-requests-jitter", "5"])
        defer { pool.stop() }
        #expect(try pool.waitReady(workers: 2))
        let nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"])
        defer { nginx.stop() }

        var failures: [Int] = []
        for _ in 0..<150 {
            let response = try HTTP.send("GET", "/healthz", port: ports[1])
            if response.status != 200 { failures.append(response.status) }
        }
        #expect(failures.isEmpty, "no request fails while workers recycle: \(failures)")
        // 150 requests at most 20 per worker: at least 5 recycles (the last may be pending).
        var recycled = 0
        _ = try PM.waitUntil(10) {
            recycled = PM.counter(try PM.status(file: pool.statusFile), "workers_recycled")
            return recycled >= 5
        }
        #expect(recycled >= 5, "workers recycled: \(recycled)\n\(pool.log.suffix(2000))")
        #expect(pool.log.contains("worker recycled after max requests; replacing it"))
        #expect(!pool.log.contains("worker died") && !pool.log.contains("worker failed to start"), "a recycled worker is not a failure")
        let status = try PM.status(file: pool.statusFile)
        #expect(PM.workers(status).allSatisfy { PM.int($0, "requests") <= 20 })
    }

    @Test func hupReReadsTheEnvFileAndAnInvalidOneKeepsTheRunningWorkers() throws {
        let port = try PM.freePorts(1)[0]
        let directory = try PM.makeTemporaryDirectory("pm-envfile")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let envFile = directory + "/catalog.env"
        try "CATALOG_WORKERS=2\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let pool = try PrivatePool(port: port, arguments: ["--env-file", envFile])
        defer { pool.stop() }
        #expect(try pool.waitReady(workers: 2))
        func pids(_ status: JSONObject) -> Set<Int> { Set(PM.workers(status).map { PM.int($0, "pid") }) }
        let first = pids(try PM.status(file: pool.statusFile))

        try "# edited\nexport CATALOG_WORKERS=3\nCATALOG_MAX_REQUESTS='500'\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        kill(pool.pid, SIGHUP)
        var status = JSONObject()
        let reloaded = try PM.waitUntil(10) {
            status = try PM.status(file: pool.statusFile)
            return PM.counter(status, "reloads") == 1 && PM.workers(status).count == 3 && pids(status).isDisjoint(with: first)
        }
        #expect(reloaded, "a new generation from the edited env file: \(status)")
        #expect(PM.int(status, "generation") == 2 && PM.int(status, "configured_workers") == 3 && PM.int(status, "max_requests") == 500)
        let second = pids(status)

        try "CATALOG_WORKERS=many\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        kill(pool.pid, SIGHUP)
        let refused = try PM.waitUntil(10) { PM.counter(try PM.status(file: pool.statusFile), "reloads_failed") == 1 }
        #expect(refused, "an invalid env file aborts the reload")
        status = try PM.status(file: pool.statusFile)
        #expect(PM.int(status, "generation") == 2 && pids(status) == second, "the running workers keep serving")
        #expect(pool.log.contains("CATALOG_WORKERS: must be an integer"))
        #expect(pool.log.contains("reload aborted: the configuration is invalid"))
    }

    @Test func theMasterGivesUpWhenWorkersKeepFailingToStart() throws {
        let port = try PM.freePorts(1)[0]
        let started = Date()
        let pool = try PrivatePool(port: port, arguments: ["--workers", "3", "--max-start-failures", "4"],
                                   environment: ["CATALOG_ENABLE_TEST_ROUTES": "1", "CATALOG_TEST_FAIL_WORKER_START": "1"])
        let status = pool.process.wait(timeout: 20)
        let finished = status != 128 + SIGKILL
        let elapsed = Date().timeIntervalSince(started)
        #expect(finished, "the master exits instead of fork-looping")
        #expect(status == 70, "exit status 70 (EX_SOFTWARE): \(status)")
        #expect(elapsed < 10, "back-off keeps it short but bounded: \(elapsed) s")
        let log = pool.log
        #expect(log.contains("giving up"), "\(log)")
        // One probe at a time after the first failure: no fork storm.
        let forks = log.components(separatedBy: "msg=\"worker started\"").count - 1
        #expect(forks <= 3 + 4, "forks: \(forks)")
        #expect(log.contains("consecutive_failures=4"))
    }

    @Test func systemdNotifyAndSocketActivation() throws {
        let activate = ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let activate else {
            Issue.record("systemd-socket-activate is missing (Debian package systemd; `make deps` installs it)")
            return
        }
        let ports = try PM.freePorts(2)
        let directory = try PM.makeTemporaryDirectory("pm-systemd")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try NotifySocket(path: directory + "/notify.sock")

        let logPath = directory + "/catalog.log"
        // The service's settings from the stack's environment (DATABASE_URL, secrets, ...).
        let settings = ProcessInfo.processInfo.environment
            .filter { ($0.key.hasPrefix("CATALOG_") || $0.key == "DATABASE_URL") && !["CATALOG_BIND", "CATALOG_STATUS_FILE", "CATALOG_ENV_FILE"].contains($0.key) }
            .flatMap { ["-E", "\($0.key)=\($0.value)"] }
        let process = try Spawn(activate, ["-l", "127.0.0.1:\(ports[0])", "-E", "NOTIFY_SOCKET=\(notify.path)", "-E", "WATCHDOG_USEC=400000"]
                                + settings + [PM.catalogBinary, "serve", "--workers", "2", "--status-file", directory + "/status.json"],
                                stdout: logPath, stderr: logPath)
        defer { if process.isRunning { kill(process.pid, SIGKILL); _ = process.wait(timeout: 5) } }
        let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        // systemd-socket-activate listens first and execs catalog on the first connection.
        let nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"])
        defer { nginx.stop() }
        let health = try HTTP.send("GET", "/healthz", port: ports[1])
        #expect(health.status == 200, "served on the inherited socket: \(health.status) \(log())")
        var messages = notify.receive(until: { $0.contains { $0.contains("READY=1") } }, seconds: 10)
        #expect(messages.contains { $0.contains("MAINPID=\(process.pid)") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("READY=1") }, "\(messages)")
        #expect(log().contains("socket_from_systemd=true"), "\(log())")
        messages = notify.receive(until: { $0.contains("WATCHDOG=1") }, seconds: 3)
        #expect(messages.contains("WATCHDOG=1"), "watchdog pings every WATCHDOG_USEC/2: \(messages)")

        kill(process.pid, SIGHUP)
        messages = notify.receive(until: { $0.contains { $0.hasPrefix("READY=1") } }, seconds: 10)
        #expect(messages.contains { $0.hasPrefix("RELOADING=1") && $0.contains("MONOTONIC_USEC=") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("READY=1") }, "READY=1 after the reload: \(messages)")
        #expect(try HTTP.send("GET", "/healthz", port: ports[1]).status == 200)

        kill(process.pid, SIGTERM)
        messages = notify.receive(until: { $0.contains { $0.hasPrefix("STOPPING=1") } }, seconds: 10)
        #expect(messages.contains { $0.hasPrefix("STOPPING=1") }, "\(messages)")
        let status = process.wait(timeout: 10)
        #expect(status == 0, "\(log())")
    }

    @Test func systemdUnitsPassSystemdAnalyzeVerify() throws {
        let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let analyze else {
            Issue.record("systemd-analyze is missing (Debian package systemd; `make deps` installs it)")
            return
        }
        let unitDirectory = PM.repository + "/deploy/systemd"
        let units = try FileManager.default.contentsOfDirectory(atPath: unitDirectory)
            .filter { name in [".service", ".socket", ".timer"].contains { name.hasSuffix($0) } }.sorted()
        #expect(units.contains("catalog.service") && units.contains("catalog.socket"))

        // Verify in a scratch root: systemd's own units, the units under test, and a stub
        // for every program they run (verify checks that ExecStart= binaries exist).
        let root = try PM.makeTemporaryDirectory("pm-units")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/usr/lib/systemd", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/etc/systemd/system", withIntermediateDirectories: true)
        let systemUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].first { fm.fileExists(atPath: $0) }!
        try PM.run("/bin/cp", ["-r", systemUnits, root + "/usr/lib/systemd/system"])
        for unit in units {
            let text = try String(contentsOfFile: unitDirectory + "/" + unit, encoding: .utf8)
            try text.write(toFile: root + "/etc/systemd/system/" + unit, atomically: true, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("Exec") && line.contains("=") {
                var command = line.split(separator: "=", maxSplits: 1)[1].split(separator: " ").first.map(String.init) ?? ""
                while let first = command.first, "-@+!:".contains(first) { command.removeFirst() }
                guard command.hasPrefix("/") else { continue }
                try fm.createDirectory(atPath: root + (command as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try "#!/bin/sh\n".write(toFile: root + command, atomically: true, encoding: .utf8)
                chmod(root + command, 0o755)
            }
        }
        let result = try PM.run(analyze, ["verify", "--root=\(root)"] + units.map { root + "/etc/systemd/system/" + $0 })
        #expect(result.status == 0, "systemd-analyze verify: \(result.stdout) \(result.stderr)")
        // Unknown keys and bad values are only warnings for systemd: any output is a failure here.
        #expect((result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "systemd-analyze verify printed: \(result.stdout) \(result.stderr)")
    }

    /// The value of the first sample line that starts with `series`.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

/// A unix datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw HTTP.Failure(description: "bind \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Messages received until `done(messages)` holds or `seconds` pass.
    func receive(until done: ([String]) -> Bool, seconds: Double) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline, !done(messages) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
        }
        return messages
    }

    deinit {
        close(fd)
        unlink(path)
    }
}
