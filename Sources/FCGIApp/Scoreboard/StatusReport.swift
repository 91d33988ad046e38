import Core
import Foundation
import ProcessPool

/// The pool's status file: a JSON snapshot of the master's view and the scoreboard,
/// written by the master about once a second (and right after the pool changes) with
/// write-to-temp-then-rename, so a reader never sees half a file. `catalog status`
/// reads and prints it; monitoring can read it too (`catalog status --json`).
///
/// Why a file rather than the scoreboard itself: the scoreboard is an anonymous shared
/// mapping that only the master's descendants can see (so no other user can read or
/// corrupt it), and a file needs no socket, no protocol and no permission beyond the
/// run directory's (`/run/catalog`, mode 0750 with the service's group).
struct StatusReport {
    struct Worker {
        let pid: pid_t
        let slot: Int
        let generation: UInt32
        let ready: Bool
        let retiring: Bool
        let maxRequests: Int
        let scoreboard: Scoreboard.Slot?
    }

    let masterPID: pid_t
    let listen: String
    let socketFromSystemd: Bool
    let state: String
    let startedWallMilliseconds: Int64
    let generation: UInt32
    let settings: PoolSettings
    let envFile: String?
    let workers: [Worker]
    let scoreboard: Scoreboard

    static let formatVersion = 1

    var json: JSONValue {
        let nowWall = Scoreboard.wallMilliseconds()
        let nowMonotonic = Scoreboard.monotonicMilliseconds()
        func seconds(_ milliseconds: Int64) -> JSONValue { .number(String(format: "%.3f", Double(milliseconds) / 1000)) }
        let workerValues: [JSONValue] = workers.map { worker in
            var object: JSONObject = [
                "pid": .int(worker.pid), "slot": .int(worker.slot), "generation": .int(worker.generation),
                "ready": .bool(worker.ready), "retiring": .bool(worker.retiring), "max_requests": .int(worker.maxRequests),
            ]
            if let slot = worker.scoreboard {
                object["state"] = .string(worker.retiring && slot.state == .idle ? "retiring" : slot.state.description)
                object["requests"] = .int(slot.requests)
                object["started_at"] = .string(Self.timestamp(slot.startedWallMilliseconds))
                object["heartbeat_age_s"] = seconds(nowMonotonic - slot.heartbeatMilliseconds)
                object["peak_rss_kb"] = .int(slot.peakRSSKilobytes)
                let busy = slot.state.isBusy
                object["request"] = slot.method.isEmpty && !busy ? .null : [
                    "active": .bool(busy),
                    "method": .string(slot.method), "path": .string(slot.path), "request_id": .string(slot.requestID),
                    "elapsed_s": busy && slot.requestStartedMilliseconds > 0 ? seconds(nowMonotonic - slot.requestStartedMilliseconds) : .null,
                ]
            } else {
                object["state"] = "unknown"
            }
            return .object(object)
        }
        let counters: JSONObject = [
            "requests": .int(scoreboard.get(.requests)),
            "database_reconnects": .int(scoreboard.get(.databaseReconnects)),
            "workers_started": .int(scoreboard.get(.workersStarted)),
            "workers_crashed": .int(scoreboard.get(.workersCrashed)),
            "workers_timed_out": .int(scoreboard.get(.workersTimedOut)),
            "workers_recycled": .int(scoreboard.get(.workersRecycled)),
            "workers_retired": .int(scoreboard.get(.workersRetired)),
            "start_failures": .int(scoreboard.get(.startFailures)),
            "reloads": .int(scoreboard.get(.reloads)),
            "reloads_failed": .int(scoreboard.get(.reloadsFailed)),
            "password_work_admitted": .int(scoreboard.get(.passwordClaims)),
            "password_work_refused": .int(scoreboard.get(.passwordRefused)),
            "logins_throttled": .int(scoreboard.get(.loginsThrottled)),
        ]
        return [
            "format": .int(Self.formatVersion),
            "written_at": .string(Self.timestamp(nowWall)),
            "written_at_ms": .int(nowWall),
            "master_pid": .int(masterPID),
            "listen": .string(listen),
            "socket_from_systemd": .bool(socketFromSystemd),
            "state": .string(state),
            "started_at": .string(Self.timestamp(startedWallMilliseconds)),
            "uptime_s": seconds(nowWall - startedWallMilliseconds),
            "generation": .int(generation),
            "configured_workers": .int(settings.workers),
            "password_slots": .int(scoreboard.get(.passwordSlots)),
            "password_slots_in_use": .int(scoreboard.passwordSlotsInUse),
            "timeout_s": .number(String(settings.timeout)),
            "graceful_timeout_s": .number(String(settings.gracefulTimeout)),
            "max_requests": .int(settings.maxRequests),
            "max_requests_jitter": .int(settings.maxRequestsJitter),
            "env_file": .string(envFile),
            "counters": .object(counters),
            "workers": .array(workerValues),
        ]
    }

    /// Writes the snapshot atomically; returns an error description on failure.
    func write(to path: String) -> String? {
        let temporary = path + ".tmp"
        let bytes = json.encoded + [10]
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { unlink(temporary); return "short write" }
        guard rename(temporary, path) == 0 else { let error = String(cString: strerror(errno)); unlink(temporary); return error }
        return nil
    }

    static func timestamp(_ wallMilliseconds: Int64) -> String {
        var seconds = time_t(wallMilliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
