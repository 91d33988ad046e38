import CScoreboard
import Glibc

/// The pool's shared-memory scoreboard (the layout: CScoreboard.h).
///
/// The master maps it (`MAP_SHARED|MAP_ANONYMOUS`) before forking the first worker, so
/// every worker inherits the same memory: each worker publishes its own slot (state,
/// current request, requests served, heartbeat, peak RSS) and adds to the pool-wide
/// counters; the master reads the slots to find hung workers and to write the status
/// file; any worker renders `/metrics` from it, aggregated across the pool.
final class Scoreboard {
    let base: UnsafeMutableRawPointer

    /// A worker's state. The values are `enum catalog_slot_state` in CScoreboard.h (the
    /// layout is defined there once); Swift only names them.
    enum State: CustomStringConvertible, CaseIterable {
        case free, starting, idle, reading, handling, writing, exiting

        /// The value stored in the slot.
        var value: UInt32 {
            switch self {
            case .free: CATALOG_SLOT_FREE.rawValue
            case .starting: CATALOG_SLOT_STARTING.rawValue
            case .idle: CATALOG_SLOT_IDLE.rawValue
            case .reading: CATALOG_SLOT_READING.rawValue
            case .handling: CATALOG_SLOT_HANDLING.rawValue
            case .writing: CATALOG_SLOT_WRITING.rawValue
            case .exiting: CATALOG_SLOT_EXITING.rawValue
            }
        }

        init?(value: UInt32) {
            guard let state = Self.allCases.first(where: { $0.value == value }) else { return nil }
            self = state
        }

        var description: String {
            switch self {
            case .free: "free"
            case .starting: "starting"
            case .idle: "idle"
            case .reading: "reading"
            case .handling: "handling"
            case .writing: "writing"
            case .exiting: "exiting"
            }
        }

        /// Busy with a request (what `--timeout` applies to).
        var isBusy: Bool { self == .reading || self == .handling || self == .writing }
    }

    /// A pool-wide counter or gauge: its index is `enum catalog_counter` in CScoreboard.h.
    enum Counter: CaseIterable {
        case requests, databaseReconnects, workersStarted, workersCrashed, workersTimedOut, workersRecycled,
             workersRetired, startFailures, reloads, reloadsFailed, routeOverflow,
             configuredWorkers, generation, masterPID, masterStartedMilliseconds, timeoutMilliseconds,
             passwordSlots, passwordClaims, passwordRefused, loginsThrottled, handoffsBusy, handoffsLeaving

        var index: Int32 {
            let value: catalog_counter = switch self {
            case .requests: CATALOG_C_REQUESTS
            case .databaseReconnects: CATALOG_C_DB_RECONNECTS
            case .workersStarted: CATALOG_C_WORKERS_STARTED
            case .workersCrashed: CATALOG_C_WORKERS_CRASHED
            case .workersTimedOut: CATALOG_C_WORKERS_TIMED_OUT
            case .workersRecycled: CATALOG_C_WORKERS_RECYCLED
            case .workersRetired: CATALOG_C_WORKERS_RETIRED
            case .startFailures: CATALOG_C_START_FAILURES
            case .reloads: CATALOG_C_RELOADS
            case .reloadsFailed: CATALOG_C_RELOADS_FAILED
            case .routeOverflow: CATALOG_C_ROUTE_OVERFLOW
            case .configuredWorkers: CATALOG_G_CONFIGURED_WORKERS
            case .generation: CATALOG_G_GENERATION
            case .masterPID: CATALOG_G_MASTER_PID
            case .masterStartedMilliseconds: CATALOG_G_MASTER_STARTED_MS
            case .timeoutMilliseconds: CATALOG_G_TIMEOUT_MS
            case .passwordSlots: CATALOG_G_PASSWORD_SLOTS
            case .passwordClaims: CATALOG_C_PASSWORD_CLAIMS
            case .passwordRefused: CATALOG_C_PASSWORD_REFUSED
            case .loginsThrottled: CATALOG_C_LOGINS_THROTTLED
            case .handoffsBusy: CATALOG_C_HANDOFFS_BUSY
            case .handoffsLeaving: CATALOG_C_HANDOFFS_LEAVING
            }
            return Int32(value.rawValue)
        }
    }

    /// A consistent copy of one slot.
    struct Slot {
        let index: Int
        let pid: pid_t
        let generation: UInt32
        let state: State
        let startedWallMilliseconds: Int64
        let requestStartedMilliseconds: Int64
        let heartbeatMilliseconds: Int64
        let requests: UInt64
        let peakRSSKilobytes: UInt64
        let method: String
        let path: String
        let requestID: String
    }

    struct RouteStats {
        let method: String
        let route: String
        let status: Int
        var count: UInt64
        var sumMicroseconds: UInt64
        var buckets: [UInt64]
    }

    struct MapError: Error, CustomStringConvertible {
        let description: String
    }

    static var slotCount: Int { Int(catalog_sb_slot_count()) }
    static var bucketBounds: [Double] { (0..<Int(catalog_sb_bucket_count())).map { catalog_sb_bucket_bound(Int32($0)) } }

    init() throws(MapError) {
        guard let pointer = catalog_sb_create() else {
            throw MapError(description: "mmap of the scoreboard (\(catalog_sb_size()) bytes) failed: \(String(cString: strerror(errno)))")
        }
        base = pointer
    }

    // MARK: counters

    func add(_ counter: Counter, _ amount: UInt64 = 1) { catalog_sb_add(base, counter.index, amount) }
    func set(_ counter: Counter, _ value: UInt64) { catalog_sb_set(base, counter.index, value) }
    func get(_ counter: Counter) -> UInt64 { catalog_sb_get(base, counter.index) }

    // MARK: slots (master side)

    func prepare(slot: Int, generation: UInt32) { catalog_slot_prepare(base, Int32(slot), generation) }
    func release(slot: Int) { catalog_slot_release(base, Int32(slot)) }

    // MARK: slots (worker side)

    func setState(slot: Int, pid: pid_t, _ state: State) { catalog_slot_set_state(base, Int32(slot), pid, state.value) }
    func heartbeat(slot: Int) { catalog_slot_heartbeat(base, Int32(slot)) }

    func beginHandling(slot: Int, method: String, path: String, requestID: String) {
        var method = method, path = path, requestID = requestID
        method.withUTF8 { m in
            path.withUTF8 { p in
                requestID.withUTF8 { r in
                    m.withMemoryRebound(to: CChar.self) { m in
                        p.withMemoryRebound(to: CChar.self) { p in
                            r.withMemoryRebound(to: CChar.self) { r in
                                catalog_slot_begin_handling(base, Int32(slot), m.baseAddress, Int32(m.count),
                                                            p.baseAddress, Int32(p.count), r.baseAddress, Int32(r.count))
                            }
                        }
                    }
                }
            }
        }
    }

    func endRequest(slot: Int, peakRSSKilobytes: UInt64) {
        catalog_slot_end_request(base, Int32(slot), peakRSSKilobytes)
    }

    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        var method = method, route = route
        method.withUTF8 { m in
            route.withUTF8 { r in
                m.withMemoryRebound(to: CChar.self) { m in
                    r.withMemoryRebound(to: CChar.self) { r in
                        catalog_route_record(base, m.baseAddress, Int32(m.count), r.baseAddress, Int32(r.count), UInt32(clamping: status), seconds)
                    }
                }
            }
        }
    }

    // MARK: password slots

    /// Claims a password slot for `pid` among the first `limit`; its index, or nil when all are busy.
    func claimPasswordSlot(pid: pid_t, limit: Int) -> Int? {
        let index = catalog_password_claim(base, pid, Int32(clamping: limit))
        return index < 0 ? nil : Int(index)
    }

    func releasePasswordSlot(_ index: Int, pid: pid_t) { catalog_password_release(base, Int32(index), pid) }

    /// Frees the slots a reaped worker died holding; how many there were.
    @discardableResult
    func releasePasswordSlots(of pid: pid_t) -> Int { Int(catalog_password_release_all(base, pid)) }

    var passwordSlotsInUse: Int { Int(catalog_password_in_use(base)) }

    // MARK: reading

    /// How many workers other than the one in `slot` are idle (waiting for a request), up
    /// to `limit`: what a busy worker checks before passing a waiting connection on.
    func idleWorkers(except slot: Int, limit: Int) -> Int {
        Int(catalog_sb_idle_workers(base, Int32(slot), Int32(clamping: limit)))
    }

    func slot(_ index: Int) -> Slot? {
        var info = catalog_slot_info()
        var method = [CChar](repeating: 0, count: Int(catalog_sb_method_len()))
        var path = [CChar](repeating: 0, count: Int(catalog_sb_path_len()))
        var requestID = [CChar](repeating: 0, count: Int(catalog_sb_id_len()))
        guard catalog_slot_read(base, Int32(index), &info, &method, &path, &requestID) == 1 else { return nil }
        return Slot(
            index: index, pid: info.pid, generation: info.generation, state: State(value: info.state) ?? .free,
            startedWallMilliseconds: info.started_wall_ms, requestStartedMilliseconds: info.request_started_ms,
            heartbeatMilliseconds: info.heartbeat_ms, requests: info.requests, peakRSSKilobytes: info.peak_rss_kb,
            method: Self.string(method), path: Self.string(path), requestID: Self.string(requestID))
    }

    /// Every slot in use (not free).
    func occupiedSlots() -> [Slot] {
        (0..<Self.slotCount).compactMap { index in
            guard let slot = slot(index), slot.state != .free else { return nil }
            return slot
        }
    }

    /// The route table, with duplicate keys merged.
    func routeStats() -> [RouteStats] {
        var merged: [String: RouteStats] = [:]
        var order: [String] = []
        var info = catalog_route_info()
        var method = [CChar](repeating: 0, count: Int(catalog_sb_method_len()))
        var route = [CChar](repeating: 0, count: Int(catalog_sb_route_len()))
        let bucketCount = Int(catalog_sb_bucket_count())
        for index in 0..<Int(catalog_sb_route_count()) {
            guard catalog_route_read(base, Int32(index), &info, &method, &route) == 1 else { continue }
            let buckets = withUnsafePointer(to: &info) { pointer in (0..<bucketCount).map { catalog_route_bucket(pointer, Int32($0)) } }
            let stats = RouteStats(method: Self.string(method), route: Self.string(route), status: Int(info.status),
                                   count: info.count, sumMicroseconds: info.sum_us, buckets: buckets)
            let key = "\(stats.method) \(stats.route) \(stats.status)"
            if var existing = merged[key] {
                existing.count += stats.count
                existing.sumMicroseconds += stats.sumMicroseconds
                existing.buckets = zip(existing.buckets, stats.buckets).map { $0 + $1 }
                merged[key] = existing
            } else {
                merged[key] = stats
                order.append(key)
            }
        }
        return order.map { merged[$0]! }
    }

    static func monotonicMilliseconds() -> Int64 { catalog_monotonic_ms() }
    static func wallMilliseconds() -> Int64 { catalog_wall_ms() }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
