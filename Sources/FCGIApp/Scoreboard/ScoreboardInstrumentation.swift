import Core
import Foundation

/// Core's instrumentation hook, backed by the pool's shared scoreboard.
///
/// Each worker records its requests into the shared route table; `/metrics`, answered by
/// whichever worker nginx picks, renders the whole pool's numbers, so a scrape never sees
/// only one worker's share.
final class ScoreboardInstrumentation: ServiceInstrumentation {
    private let scoreboard: Scoreboard

    init(scoreboard: Scoreboard) {
        self.scoreboard = scoreboard
    }

    func requestFinished(method: String, route: String, status: Int, seconds: Double) {
        scoreboard.recordRequest(method: method, route: route, status: status, seconds: seconds)
    }

    func metricsExposition() -> String {
        MetricsRenderer.render(scoreboard)
    }

    func record(_ event: ServiceEvent) {
        switch event {
        case .loginThrottled: scoreboard.add(.loginsThrottled)
        }
    }
}

/// Prometheus text exposition (format 0.0.4) of a scoreboard.
enum MetricsRenderer {
    static func render(_ scoreboard: Scoreboard) -> String {
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        /// A family with one unlabelled sample.
        func single(_ name: String, _ type: String, _ help: String, _ sample: CustomStringConvertible) {
            header(name, type, help)
            out += "\(name) \(sample)\n"
        }
        func value(_ number: Double) -> String {
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        }

        header("catalog_up", "gauge", "Whether the service answers.")
        out += "catalog_up 1\n"

        let routes = scoreboard.routeStats().sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        header("catalog_http_requests_total", "counter", "Requests answered by the workers, by method, route template and status.")
        for stats in routes {
            out += "catalog_http_requests_total{method=\"\(escape(stats.method))\",route=\"\(escape(stats.route))\",status=\"\(stats.status)\"} \(stats.count)\n"
        }

        // The latency histogram per method and route (statuses merged).
        struct Histogram { var count: UInt64 = 0; var sum: UInt64 = 0; var buckets: [UInt64] }
        let bounds = Scoreboard.bucketBounds
        var histograms: [String: Histogram] = [:]
        var keys: [(String, String)] = []
        for stats in routes {
            let key = "\(stats.method) \(stats.route)"
            if histograms[key] == nil {
                histograms[key] = Histogram(buckets: Array(repeating: 0, count: bounds.count))
                keys.append((stats.method, stats.route))
            }
            histograms[key]!.count += stats.count
            histograms[key]!.sum += stats.sumMicroseconds
            histograms[key]!.buckets = zip(histograms[key]!.buckets, stats.buckets).map { $0 + $1 }
        }
        header("catalog_http_request_duration_seconds", "histogram", "Time from the parsed request to the built response, by method and route template.")
        for (method, route) in keys {
            let histogram = histograms["\(method) \(route)"]!
            let labels = "method=\"\(escape(method))\",route=\"\(escape(route))\""
            var cumulative: UInt64 = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += histogram.buckets[index]
                out += "catalog_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "catalog_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "catalog_http_request_duration_seconds_sum{\(labels)} \(Double(histogram.sum) / 1e6)\n"
            out += "catalog_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }

        single("catalog_database_reconnects_total", "counter", "Broken PostgreSQL connections that workers replaced.", scoreboard.get(.databaseReconnects))

        let slots = scoreboard.occupiedSlots()
        let generation = UInt32(truncatingIfNeeded: scoreboard.get(.generation))
        header("catalog_workers", "gauge", "Worker processes by state (all generations).")
        for state in Scoreboard.State.allCases where state != .free {
            out += "catalog_workers{state=\"\(state)\"} \(slots.filter { $0.state == state }.count)\n"
        }
        single("catalog_workers_configured", "gauge", "The pool size the master maintains.", scoreboard.get(.configuredWorkers))
        single("catalog_pool_generation", "gauge", "Generation of the pool (incremented by each reload).", generation)

        header("catalog_worker_requests_served", "gauge", "Requests served by each live worker since it started.")
        for slot in slots where slot.pid > 0 {
            out += "catalog_worker_requests_served{pid=\"\(slot.pid)\",generation=\"\(slot.generation)\"} \(slot.requests)\n"
        }
        header("catalog_worker_peak_rss_bytes", "gauge", "Peak resident set size of each live worker.")
        for slot in slots where slot.pid > 0 {
            out += "catalog_worker_peak_rss_bytes{pid=\"\(slot.pid)\",generation=\"\(slot.generation)\"} \(slot.peakRSSKilobytes * 1024)\n"
        }

        single("catalog_requests_total", "counter", "Requests answered by the pool (all routes).", scoreboard.get(.requests))
        header("catalog_worker_exits_total", "counter", "Workers that ended, by reason.")
        for (reason, counter) in [("crashed", Scoreboard.Counter.workersCrashed), ("timed_out", .workersTimedOut),
                                  ("recycled", .workersRecycled), ("retired", .workersRetired), ("start_failed", .startFailures)] {
            out += "catalog_worker_exits_total{reason=\"\(reason)\"} \(scoreboard.get(counter))\n"
        }
        single("catalog_workers_started_total", "counter", "Workers forked by the master.", scoreboard.get(.workersStarted))
        header("catalog_reloads_total", "counter", "Configuration reloads (HUP), by outcome.")
        out += "catalog_reloads_total{outcome=\"completed\"} \(scoreboard.get(.reloads))\n"
        out += "catalog_reloads_total{outcome=\"aborted\"} \(scoreboard.get(.reloadsFailed))\n"
        single("catalog_password_slots", "gauge", "Password hashes allowed at once across the pool (CATALOG_PASSWORD_SLOTS).", scoreboard.get(.passwordSlots))
        single("catalog_password_slots_in_use", "gauge", "Password hashes running now.", scoreboard.passwordSlotsInUse)
        header("catalog_password_work_total", "counter", "Password hashes, by outcome: admitted, or refused with 503 because every slot was busy.")
        out += "catalog_password_work_total{outcome=\"admitted\"} \(scoreboard.get(.passwordClaims))\n"
        out += "catalog_password_work_total{outcome=\"refused\"} \(scoreboard.get(.passwordRefused))\n"
        header("catalog_connections_handed_over_total", "counter",
               "Kept FastCGI connections a worker passed to the others, by reason: busy (a request waited on it while the worker served another, and a worker was idle), leaving.")
        out += "catalog_connections_handed_over_total{reason=\"busy\"} \(scoreboard.get(.handoffsBusy))\n"
        out += "catalog_connections_handed_over_total{reason=\"leaving\"} \(scoreboard.get(.handoffsLeaving))\n"
        single("catalog_logins_throttled_total", "counter", "Sign-ins refused with 429 by the per-account throttle.", scoreboard.get(.loginsThrottled))
        single("catalog_metrics_dropped_total", "counter", "Request observations dropped because the route table was full.", scoreboard.get(.routeOverflow))
        let started = scoreboard.get(.masterStartedMilliseconds)
        single("catalog_master_start_time_seconds", "gauge", "When the master started (Unix time).", value(Double(started) / 1000))
        return out
    }

    /// Label values: backslash, double quote and newline are escaped.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
