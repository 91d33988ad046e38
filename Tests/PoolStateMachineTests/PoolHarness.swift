import Glibc
import Logging
import ProcessPool
import TestSupport

/// The machine under test, with a `String` standing for the service configuration and a
/// seeded generator for the max-requests jitter.
typealias Machine = PoolStateMachine<String, SeededGenerator>
typealias Action = Machine.Action

func poolSettings(workers: Int = 2, gracefulTimeout: Double = 30, timeout: Double = 30, maxRequests: Int = 0,
                  maxRequestsJitter: Int = 0, maxStartFailures: Int = 10) -> PoolSettings {
    PoolSettings(workers: workers, gracefulTimeout: gracefulTimeout, timeout: timeout, maxRequests: maxRequests,
                 maxRequestsJitter: maxRequestsJitter, maxStartFailures: maxStartFailures, testRoutes: false)
}

/// Plays the master's part without processes: it answers `.spawn` with `.spawned` (pids
/// 101, 102, … in order) or, when told to, `.spawnFailed`, and `.loadConfiguration` with
/// the configuration it holds; it keeps the slots the workers "publish", and a clock the
/// test moves. Every action the machine returned, the answers' included, comes back in
/// order, so a test asserts exactly what the master would have done.
struct PoolHarness {
    var machine: Machine
    var now = 1000.0
    var nextPID: Int32 = 101
    var slots: [Int32: SlotObservation] = [:]
    /// What the next `.loadConfiguration` reads: settings and configuration, or problems.
    var configuration: Result<(PoolSettings, String), Problems> = .failure(Problems(lines: ["not set"]))
    var failForks = false

    struct Problems: Error { let lines: [String] }

    init(_ settings: PoolSettings = poolSettings(), configuration: String = "A", slotCount: Int = 16, readyTimeout: Double = 30, seed: UInt64 = 7) {
        machine = Machine(settings: settings, configuration: configuration, slotCount: slotCount, readyTimeout: readyTimeout, random: SeededGenerator(seed: seed))
    }

    var nowMilliseconds: Int64 { Int64(now * 1000) }

    @discardableResult
    mutating func send(_ event: Machine.Event) -> [Action] {
        var done: [Action] = []
        for action in machine.handle(event) {
            done.append(action)
            switch action {
            case .spawn(let spawn):
                if failForks {
                    done += send(.spawnFailed(spawn, error: "Resource temporarily unavailable", now: now))
                } else {
                    let pid = nextPID
                    nextPID += 1
                    slots[pid] = SlotObservation(pid: pid, phase: .starting, state: "starting", heartbeatMilliseconds: nowMilliseconds)
                    done += send(.spawned(spawn, pid: pid, now: now))
                }
            case .loadConfiguration:
                switch configuration {
                case .success(let (settings, configuration)):
                    done += send(.configurationLoaded(settings: settings, configuration: configuration, now: now))
                case .failure(let problems):
                    done += send(.configurationInvalid(problems: problems.lines))
                }
            default:
                break
            }
        }
        return done
    }

    @discardableResult mutating func maintain() -> [Action] { send(.maintainPool(now: now)) }
    @discardableResult mutating func tick() -> [Action] { send(.tick(slots: slots, now: now, nowMilliseconds: nowMilliseconds)) }

    /// Workers mark themselves ready (idle, heartbeat now).
    mutating func becomeReady(_ pids: [Int32]) {
        for pid in pids { slots[pid] = SlotObservation(pid: pid, phase: .idle, state: "idle", heartbeatMilliseconds: nowMilliseconds) }
    }

    /// A worker takes a request that started now.
    mutating func startRequest(_ pid: Int32, method: String = "GET", path: String = "/products", requestID: String = "r-1") {
        let requests = slots[pid]?.requests ?? 0
        slots[pid] = SlotObservation(pid: pid, phase: .busy, state: "handling", requests: requests, requestStartedMilliseconds: nowMilliseconds,
                                     heartbeatMilliseconds: nowMilliseconds, method: method, path: path, requestID: requestID)
    }

    /// The master reaps a worker: its slot as it left it goes with the event.
    @discardableResult
    mutating func exit(_ pid: Int32, _ status: WaitStatus, requests: UInt64? = nil, passwordSlots: Int = 0) -> [Action] {
        var last = slots.removeValue(forKey: pid)
        if let requests { last?.requests = requests }
        return send(.workerExited(pid: pid, status: status, last: last, passwordSlotsReleased: passwordSlots, now: now))
    }

    /// Starts the pool and makes every worker ready; the pids.
    @discardableResult
    mutating func startPool() -> [Int32] {
        let pids = maintain().spawnedPIDs
        becomeReady(pids)
        tick()
        return pids
    }

    var pids: [Int32] { machine.workers.keys.sorted() }
    func pids(generation: UInt32) -> [Int32] { machine.workers.values.filter { $0.generation == generation }.map(\.pid).sorted() }
}

extension [Action] {
    var spawns: [Machine.Spawn] { compactMap { if case .spawn(let spawn) = $0 { spawn } else { nil } } }
    var messages: [String] { compactMap { if case .log(_, let message, _) = $0 { message } else { nil } } }
    var counts: [Machine.Counter] { compactMap { if case .count(let counter) = $0 { counter } else { nil } } }
    var notifications: [Machine.Notification] { compactMap { if case .notify(let notification) = $0 { notification } else { nil } } }
    var signals: [(pid: Int32, signal: Int32)] { compactMap { if case .signal(let pid, let signal) = $0 { (pid, signal) } else { nil } } }
    func signaled(_ signal: Int32) -> [Int32] { signals.filter { $0.signal == signal }.map(\.pid).sorted() }

    /// The metadata of the first log line with this message.
    func metadata(_ message: String) -> Logger.Metadata? {
        for case .log(_, let text, let metadata) in self where text == message { return metadata }
        return nil
    }

    func level(_ message: String) -> Logger.Level? {
        for case .log(let level, let text, _) in self where text == message { return level }
        return nil
    }

    /// The pids the harness gave the spawned workers, in order.
    var spawnedPIDs: [Int32] {
        compactMap { if case .log(_, "worker started", let metadata) = $0, case .string(let pid)? = metadata["worker_pid"] { Int32(pid) } else { nil } }
    }
}
