import CFastCGI
import Glibc

/// The pool's shared-memory scoreboard (see `shim.h` for the layout).
///
/// The master maps it (`MAP_SHARED|MAP_ANONYMOUS`) before forking the first worker, so
/// every worker inherits the same memory: each worker publishes its own slot (state,
/// current request, requests served, heartbeat, peak RSS) and adds to the pool-wide
/// counters; the master reads the slots to find hung workers and to write the status
/// file; any worker renders `/metrics` from it, aggregated across the pool.
final class Scoreboard {
    let base: UnsafeMutableRawPointer

    enum State: UInt32, CustomStringConvertible, CaseIterable {
        case free = 0, starting = 1, idle = 2, reading = 3, handling = 4, writing = 5, exiting = 6

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

    enum Counter: Int32 {
        case requests = 0, databaseReconnects, workersStarted, workersCrashed, workersTimedOut, workersRecycled,
             workersRetired, startFailures, reloads, reloadsFailed, routeOverflow,
             configuredWorkers, generation, masterPID, masterStartedMilliseconds, timeoutMilliseconds,
             passwordSlots, passwordClaims, passwordRefused, loginsThrottled
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

    func add(_ counter: Counter, _ amount: UInt64 = 1) { catalog_sb_add(base, counter.rawValue, amount) }
    func set(_ counter: Counter, _ value: UInt64) { catalog_sb_set(base, counter.rawValue, value) }
    func get(_ counter: Counter) -> UInt64 { catalog_sb_get(base, counter.rawValue) }

    // MARK: slots (master side)

    func prepare(slot: Int, generation: UInt32) { catalog_slot_prepare(base, Int32(slot), generation) }
    func release(slot: Int) { catalog_slot_release(base, Int32(slot)) }

    // MARK: slots (worker side)

    func setState(slot: Int, pid: pid_t, _ state: State) { catalog_slot_set_state(base, Int32(slot), pid, state.rawValue) }
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

    func slot(_ index: Int) -> Slot? {
        var info = catalog_slot_info()
        var method = [CChar](repeating: 0, count: Int(catalog_sb_method_len()))
        var path = [CChar](repeating: 0, count: Int(catalog_sb_path_len()))
        var requestID = [CChar](repeating: 0, count: Int(catalog_sb_id_len()))
        guard catalog_slot_read(base, Int32(index), &info, &method, &path, &requestID) == 1 else { return nil }
        return Slot(
            index: index, pid: info.pid, generation: info.generation, state: State(rawValue: info.state) ?? .free,
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
