import ArgumentParser
import Core
import Foundation

/// `catalog status`: the worker pool at a glance, like PHP-FPM's status page.
///
/// It reads the status file the master of `catalog serve` rewrites about once a second
/// (see `StatusReport`): the pool's settings and counters, then one line per worker with
/// its state, generation, requests served, heartbeat, peak RSS and the request it is
/// serving (or served last).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the worker pool of a running `catalog serve` (state, current requests, counters).",
        discussion: """
            Exit status: 0 when the master is running and the snapshot is fresh, 1 when there is no \
            status file, 2 when it is stale or its master is gone.
            """)

    @Option(help: "The master's status file (default: $CATALOG_STATUS_FILE or /run/catalog/status.json).")
    var statusFile: String?

    @Flag(help: "Print the raw JSON snapshot instead of the table.")
    var json = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let path = statusFile ?? environment["CATALOG_STATUS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/catalog/status.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            Startup.printError("catalog status: cannot read \(path): \(String(cString: strerror(errno))) (is `catalog serve` running? see --status-file)")
            throw ExitCode(1)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(data))
        } catch {
            Startup.printError("catalog status: \(path) is not a status snapshot: \(error)")
            throw ExitCode(1)
        }
        guard case .object(let report) = value else { throw ExitCode(1) }

        let masterPID = report.int("master_pid")
        let masterAlive = masterPID > 0 && (kill(pid_t(masterPID), 0) == 0 || errno == EPERM)
        let age = Double(Scoreboard.wallMilliseconds() - Int64(report.int("written_at_ms"))) / 1000
        let stale = !masterAlive || age > 5
        if json {
            print(String(decoding: value.encoded, as: UTF8.self))
        } else {
            print(Self.render(report, age: age, masterAlive: masterAlive), terminator: "")
        }
        if stale {
            Startup.printError(masterAlive
                ? "catalog status: warning: the snapshot is \(String(format: "%.0f", age)) s old (the master writes it every second)"
                : "catalog status: warning: master pid \(masterPID) is not running; this is the last snapshot it wrote")
            throw ExitCode(2)
        }
    }

    static func render(_ report: JSONObject, age: Double, masterAlive: Bool) -> String {
        var out = ""
        func line(_ label: String, _ value: String) { out += (label + ":").padding(toLength: 22, withPad: " ", startingAt: 0) + value + "\n" }
        let workers = report.array("workers").compactMap { value -> JSONObject? in
            if case .object(let object) = value { return object }
            return nil
        }
        let counters = report.object("counters")
        let states = workers.map { $0.string("state") }
        let active = states.filter { ["reading", "handling", "writing"].contains($0) }.count
        line("pool", "catalog")
        line("process manager", "static (pre-fork)")
        line("master pid", "\(report.int("master_pid"))" + (masterAlive ? "" : " (not running)"))
        line("state", report.string("state"))
        line("listen", report.string("listen") + (report.bool("socket_from_systemd") ? " (from systemd)" : ""))
        line("start time", report.string("started_at"))
        line("start since", "\(report.number("uptime_s").map { String(Int($0)) } ?? "?") s")
        line("generation", "\(report.int("generation")) (reloads: \(counters.int("reloads")), failed: \(counters.int("reloads_failed")))")
        line("configured workers", "\(report.int("configured_workers"))")
        line("total processes", "\(workers.count)")
        line("idle processes", "\(states.filter { $0 == "idle" }.count)")
        line("active processes", "\(active)")
        line("accepted requests", "\(counters.int("requests"))")
        line("timeout", "\(report.string("timeout_s")) s (graceful \(report.string("graceful_timeout_s")) s)")
        line("max requests", report.int("max_requests") == 0 ? "off" : "\(report.int("max_requests")) + jitter \(report.int("max_requests_jitter"))")
        line("worker exits", "crashed \(counters.int("workers_crashed")), timed out \(counters.int("workers_timed_out")), recycled \(counters.int("workers_recycled")), retired \(counters.int("workers_retired")), start failures \(counters.int("start_failures"))")
        line("database reconnects", "\(counters.int("database_reconnects"))")
        line("password slots", "\(report.int("password_slots_in_use")) of \(report.int("password_slots")) in use; admitted \(counters.int("password_work_admitted")), refused \(counters.int("password_work_refused"))")
        line("logins throttled", "\(counters.int("logins_throttled"))")
        line("snapshot", "\(report.string("written_at")) (\(String(format: "%.1f", age)) s ago)")
        out += "\n"
        let header = ["PID", "GEN", "STATE", "REQS", "RSS_KB", "HEARTBEAT", "ELAPSED", "REQUEST"]
        var rows = [header]
        for worker in workers {
            let request = worker.object("request")
            var requestText = "-"
            if !request.isEmpty {
                requestText = "\(request.string("method")) \(request.string("path"))"
                if !request.string("request_id").isEmpty { requestText += " id=\(request.string("request_id"))" }
                if !request.bool("active") { requestText = "(last) " + requestText }
            }
            rows.append([
                "\(worker.int("pid"))", "\(worker.int("generation"))",
                worker.string("state") + (worker.bool("retiring") && worker.string("state") != "retiring" ? "*" : ""),
                "\(worker.int("requests"))", "\(worker.int("peak_rss_kb"))",
                worker.number("heartbeat_age_s").map { String(format: "%.1fs", $0) } ?? "-",
                request.number("elapsed_s").map { String(format: "%.3fs", $0) } ?? "-",
                requestText,
            ])
        }
        let widths = (0..<header.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            var text = ""
            for (column, cell) in row.enumerated() {
                text += column < widths.count ? cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) : cell
            }
            out += text.trimmingCharacters(in: .whitespaces) + "\n"
        }
        if workers.contains(where: { $0.bool("retiring") }) { out += "\n* retiring: finishing its request, then exiting\n" }
        return out
    }
}

private extension JSONObject {
    func string(_ key: String) -> String {
        switch self[key] {
        case .string(let text)?: text
        case .number(let text)?: text
        case .bool(let flag)?: String(flag)
        default: ""
        }
    }
    func int(_ key: String) -> Int {
        if case .number(let text)? = self[key] { return Int(text) ?? Int(Double(text) ?? 0) }
        return 0
    }
    func number(_ key: String) -> Double? {
        if case .number(let text)? = self[key] { return Double(text) }
        return nil
    }
    func bool(_ key: String) -> Bool {
        if case .bool(let flag)? = self[key] { return flag }
        return false
    }
    func array(_ key: String) -> [JSONValue] {
        if case .array(let values)? = self[key] { return values }
        return []
    }
    func object(_ key: String) -> JSONObject {
        if case .object(let object)? = self[key] { return object }
        return JSONObject()
    }
}
