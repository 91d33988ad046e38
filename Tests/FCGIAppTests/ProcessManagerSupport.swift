import Core
import Foundation
import Testing

/// Helpers for the process-manager, load-balancing and fault tests: running commands,
/// reading the pool status, driving wrk, and private pools/nginx on loopback ports.
enum PM {
    /// The repository root (this file is Tests/FCGIAppTests/ProcessManagerSupport.swift).
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The `catalog` binary the stack's master runs.
    static var catalogBinary: String {
        if let explicit = ProcessInfo.processInfo.environment["CATALOG_BIN"], !explicit.isEmpty { return explicit }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(TestStack.masterPID)/exe")) ?? "catalog"
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a command to completion (bounded by `timeout` seconds, then killed).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 60) throws -> Output {
        let directory = try makeTemporaryDirectory("pm-run")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try Spawn(executable, arguments, environment: environment, stdout: directory + "/out", stderr: directory + "/err")
        let status = child.wait(timeout: timeout)
        return Output(status: status,
                      stdout: (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "")
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(50_000)
        } while Date() < deadline
        return try condition()
    }

    /// `catalog status --json` for a status file (default: the stack's).
    static func status(file: String? = nil) throws -> JSONObject {
        let path = file ?? TestStack.required("CATALOG_STATUS_FILE")
        let output = try run(catalogBinary, ["status", "--json", "--status-file", path])
        guard case .object(let object) = try JSONParser.parse(Array(output.stdout.utf8)) else {
            throw HTTP.Failure(description: "catalog status --json: \(output.status) \(output.stdout) \(output.stderr)")
        }
        return object
    }

    static func int(_ object: JSONObject, _ key: String) -> Int {
        if case .number(let text)? = object[key] { return Int(text) ?? 0 }
        return 0
    }

    static func workers(_ status: JSONObject) -> [JSONObject] {
        guard case .array(let values)? = status["workers"] else { return [] }
        return values.compactMap { if case .object(let object) = $0 { return object }; return nil }
    }

    static func counter(_ status: JSONObject, _ key: String) -> Int {
        guard case .object(let counters)? = status["counters"] else { return 0 }
        return int(counters, key)
    }

    /// Free loopback ports (scripts/free-port.py).
    static func freePorts(_ count: Int) throws -> [UInt16] {
        let output = try run("/usr/bin/env", ["python3", repository + "/scripts/free-port.py", String(count)])
        return output.stdout.split(separator: "\n").compactMap { UInt16($0) }
    }

    /// The stack's master pid, or nil while there is no pid file (between a stop and a start).
    static func currentMasterPID() -> pid_t? {
        let text = (try? String(contentsOfFile: TestStack.required("CATALOG_MASTER_PID_FILE"), encoding: .utf8)) ?? ""
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func logText() -> String {
        (try? String(contentsOfFile: TestStack.required("CATALOG_LOG_FILE"), encoding: .utf8)) ?? ""
    }

    static func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }
}

/// A wrk run in the background (a steady load through nginx).
final class LoadRun {
    struct Result {
        let requests: Int
        let non2xx: Int
        let socketErrors: Int
        let text: String
        var failures: Int { non2xx + socketErrors }
    }

    private let child: Spawn
    private let outPath: String

    /// `wrk -t2 -cN -dS` against `path` on the stack's nginx (or `port`). With
    /// `Cache-Control: no-cache` unless `bypassCache` is false: the load is there to keep
    /// the workers busy, and nginx's response cache would otherwise answer most of it.
    init(path: String, seconds: Int, connections: Int = 8, port: UInt16 = TestStack.port, bypassCache: Bool = true) throws {
        outPath = FileManager.default.temporaryDirectory.appendingPathComponent("pm-wrk-\(UUID().uuidString).txt").path
        let headers = bypassCache ? ["-H", "Cache-Control: no-cache"] : []
        child = try Spawn("/usr/bin/env", ["wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s"] + headers + ["http://127.0.0.1:\(port)\(path)"],
                          stdout: outPath, stderr: outPath)
    }

    func wait() -> Result {
        _ = child.wait(timeout: 120)
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outPath)
        func number(after marker: String, in line: Substring) -> Int {
            guard let range = line.range(of: marker) else { return 0 }
            return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        var requests = 0, non2xx = 0, socketErrors = 0
        for line in text.split(separator: "\n") {
            if line.contains("requests in") { requests = Int(line.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }) ?? 0 }
            if line.contains("Non-2xx or 3xx responses:") { non2xx = number(after: "responses: ", in: line) }
            if line.contains("Socket errors:") {
                socketErrors = ["connect ", "read ", "write ", "timeout "].map { number(after: $0, in: line) }.reduce(0, +)
            }
        }
        return Result(requests: requests, non2xx: non2xx, socketErrors: socketErrors, text: text)
    }
}

/// A private `catalog serve` pool on a loopback TCP port (its own master, workers,
/// status file and log), for tests that must not disturb the shared stack.
final class PrivatePool {
    let port: UInt16
    let directory: String
    let process: Spawn
    var statusFile: String { directory + "/status.json" }
    var logFile: String { directory + "/catalog.log" }

    init(port: UInt16, arguments: [String] = [], environment extra: [String: String] = [:]) throws {
        self.port = port
        directory = try PM.makeTemporaryDirectory("pm-pool-\(port)")
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = TestStack.databaseURL
        for name in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "CATALOG_ENV_FILE", "CATALOG_STATUS_FILE", "CATALOG_BIND"] {
            environment[name] = nil
        }
        for (name, value) in extra { environment[name] = value }
        process = try Spawn(PM.catalogBinary, ["serve", "--bind", "127.0.0.1:\(port)", "--status-file", directory + "/status.json",
                                               "--graceful-timeout", "10"] + arguments,
                            environment: environment, stdout: directory + "/catalog.log", stderr: directory + "/catalog.log")
    }

    var pid: pid_t { process.pid }
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Waits until the status file reports `workers` ready workers.
    func waitReady(workers: Int, seconds: Double = 20) throws -> Bool {
        try PM.waitUntil(seconds) {
            guard FileManager.default.fileExists(atPath: statusFile), let status = try? PM.status(file: statusFile) else { return false }
            return PM.workers(status).filter { $0["ready"] == .bool(true) }.count >= workers
        }
    }

    /// TERM, then wait (KILL after `seconds`).
    @discardableResult
    func stop(seconds: Double = 15) -> Int32 {
        if process.isRunning { kill(pid, SIGTERM) }
        return process.wait(timeout: seconds)
    }

    deinit {
        if process.isRunning { _ = process.wait(timeout: 0) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A private nginx rendered from deploy/nginx.conf with its upstream servers replaced.
final class PrivateNginx {
    let port: UInt16
    let directory: String

    /// `keptConnections`: nginx keeps up to that many idle FastCGI connections
    /// (`render-nginx.py --fastcgi-keepalive`; off by default, as in deploy/nginx.conf).
    init(port: UInt16, upstreamServers: [String], keptConnections: Int = 0) throws {
        self.port = port
        directory = try PM.makeTemporaryDirectory("pm-nginx-\(port)")
        let render = try PM.run("/usr/bin/env", ["python3", PM.repository + "/scripts/render-nginx.py",
                                                 "--template", PM.repository + "/deploy/nginx.conf",
                                                 "--out", directory + "/nginx.conf", "--port", String(port),
                                                 "--run-dir", directory, "--fastcgi-keepalive", String(keptConnections)]
                                    + upstreamServers.flatMap { ["--upstream-server", $0] })
        guard render.status == 0 else { throw HTTP.Failure(description: "render-nginx: \(render.stderr)") }
        let nginx = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : "/usr/bin/nginx"
        let started = try PM.run(nginx, ["-c", directory + "/nginx.conf", "-p", directory + "/"])
        guard started.status == 0 else { throw HTTP.Failure(description: "nginx: \(started.stderr)") }
    }

    var errorLog: String { (try? String(contentsOfFile: directory + "/nginx-error.log", encoding: .utf8)) ?? "" }

    func stop() {
        let text = (try? String(contentsOfFile: directory + "/nginx.pid", encoding: .utf8)) ?? ""
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        kill(pid, SIGQUIT)
        _ = PM.waitUntil(10) { !PM.isAlive(pid) }
        if PM.isAlive(pid) { kill(pid, SIGKILL) }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A child process started with posix_spawn and reaped with waitpid (no Foundation
/// Process: its reaping is asynchronous and it lost track of daemonizing children).
final class Spawn {
    let pid: pid_t
    private var exitStatus: Int32?
    /// A detached child (a relaunched master) is left running when this object goes away.
    private let detached: Bool

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdout: String, stderr: String,
         detached: Bool = false) throws {
        self.detached = detached
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        // Nothing else of the test runner's: its sockets and files are not the child's, and
        // wrk cannot even use a descriptor numbered past its event loop's size (a few per
        // connection): it counted the reconnect after nginx's keepalive_requests (1,000 per
        // client connection, reached within seconds with kept FastCGI connections) as a
        // connect error once the runner had left it holding descriptors 9-21.
        // (glibc 2.34's call, which Swift's Glibc module does not declare.)
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A clean signal state for the child whatever the test runner blocked.
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let environmentList = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environmentList.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw HTTP.Failure(description: "posix_spawn \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid { exitStatus = Self.decode(status); return false }
        return reaped == 0
    }

    /// Waits up to `timeout` seconds, then KILLs; returns the exit code (128+signal if killed).
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() >= deadline {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                if waitpid(pid, &status, 0) == pid { exitStatus = Self.decode(status) }
                break
            }
            usleep(20_000)
        }
        return exitStatus ?? -1
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    deinit {
        if !detached, isRunning { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
    }
}
