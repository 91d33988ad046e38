import CFastCGI
import Core
import Foundation
import Logging

/// The pre-fork master: it owns the listening socket and the scoreboard, forks the
/// workers, and supervises. It never serves a request.
///
/// Like gunicorn's arbiter and PHP-FPM's process manager it forks every worker before
/// any thread exists in the process (fork copies only the calling thread). It blocks the
/// signals it handles and takes them with `sigtimedwait` in its loop, so no code runs in
/// an asynchronous signal handler and nothing can block there. Each turn of the loop:
/// handle the signals that arrived, reap exited workers, check every worker's scoreboard
/// slot (readiness, request timeout, heartbeat, retirement deadline), move a reload
/// forward, fork what the pool lacks (with back-off after start failures), talk to
/// systemd, and write the status file.
///
/// - `HUP`: re-read the configuration, fork a new generation, and once all of it is
///   ready, TERM the old one (which finishes its requests). The listening socket stays
///   open throughout, so no connection is refused or reset.
/// - `TERM`/`INT`: graceful stop within `gracefulTimeout`, then KILL. `QUIT`: at once.
/// - `TTIN`/`TTOU`: one worker more / fewer.
final class Arbiter {
    struct Options {
        var pidFile: String?
        var statusFile: String?
        /// A new worker must mark itself ready in its slot within this many seconds.
        var readyTimeout: Double = 30
    }

    private enum KillReason { case timeout, notReady, heartbeat, graceExpired }

    private struct WorkerRecord {
        let pid: pid_t
        let slot: Int
        let generation: UInt32
        let startedAt: Double
        let maxRequests: Int
        var ready = false
        var retiring = false
        var retireDeadline: Double?
        var killed: KillReason?
    }

    /// A reload in progress: the previous generation keeps serving until the new one is ready.
    private struct Reload {
        let previousGeneration: UInt32
        let previousSettings: PoolSettings
        let previousConfiguration: ServiceConfiguration
        let deadline: Double
        var draining = false
    }

    private let source: ConfigurationSource
    private var settings: PoolSettings
    private var configuration: ServiceConfiguration
    private let options: Options
    private let socket: ListeningSocket
    private var logger: Logger
    private let scoreboard: Scoreboard
    private let notifier: SystemdNotifier
    /// Runs in the forked child; never returns.
    private let worker: (WorkerContext) -> Never

    private var records: [pid_t: WorkerRecord] = [:]
    private var freeSlots: [Int]
    private var generation: UInt32 = 1
    private var nextGeneration: UInt32 = 2
    private var reload: Reload?
    private var reloadPending = false
    private var stopping = false
    /// Consecutive workers that died before becoming ready.
    private var startFailures = 0
    private var lastStartFailure = ""
    private var nextSpawnAt = 0.0
    private var announcedReady = false
    private var nextWatchdogAt = 0.0
    private var nextStatusAt = 0.0
    private var signals = sigset_t()
    private let startedWallMilliseconds = Scoreboard.wallMilliseconds()

    init(source: ConfigurationSource, loaded: ConfigurationSource.Loaded, options: Options, socket: ListeningSocket,
         scoreboard: Scoreboard, notifier: SystemdNotifier, worker: @escaping (WorkerContext) -> Never) {
        self.source = source
        self.settings = loaded.settings
        self.configuration = loaded.configuration
        self.options = options
        self.socket = socket
        self.scoreboard = scoreboard
        self.notifier = notifier
        self.worker = worker
        self.logger = Logger(label: "catalog.master")
        self.freeSlots = Array((0..<Scoreboard.slotCount).reversed())
    }

    /// Supervises until stopped; returns the process exit code.
    func run() -> Int32 {
        signals = SignalSet.block()
        signal(SIGPIPE, SIG_IGN)  // a closed log pipe must not kill the master (workers ignore it too)
        FCGX_Init()
        _ = catalog_set_process_name("catalog-master")
        writePidFile()
        scoreboard.set(.masterPID, UInt64(getpid()))
        scoreboard.set(.masterStartedMilliseconds, UInt64(startedWallMilliseconds))
        publishGauges()
        logger.info("master started", metadata: [
            "bind": "\(socket.address)", "socket_from_systemd": "\(socket.inherited)", "workers": "\(settings.workers)",
            "timeout_s": "\(settings.timeout)", "max_requests": "\(settings.maxRequests)", "version": "\(CatalogVersion.current)",
        ])
        notifier.notify("MAINPID=\(getpid())\nSTATUS=starting \(settings.workers) workers")
        while true {
            maintainPool()
            if let signal = SignalSet.wait(&signals, seconds: waitInterval()) {
                if let code = handle(signal) { return code }
                while let more = SignalSet.wait(&signals, seconds: 0) {
                    if let code = handle(more) { return code }
                }
            }
            reap()
            superviseSlots()
            advanceReload()
            if startFailures >= settings.maxStartFailures {
                if reload != nil {
                    abortReload("\(startFailures) new workers in a row failed to start (last: \(lastStartFailure))")
                } else {
                    logger.critical("workers keep failing to start; giving up instead of fork-looping", metadata: [
                        "consecutive_failures": "\(startFailures)", "last_status": "\(lastStartFailure)",
                        "hint": "see the worker's error lines above (configuration, database, permissions)",
                    ])
                    Startup.printError("catalog serve: \(startFailures) workers in a row failed to start (last: \(lastStartFailure)); giving up")
                    notifier.notify("STATUS=giving up: workers fail to start\nERRNO=70")
                    _ = stop(graceful: false)
                    return 70
                }
            }
            announceReadiness()
            pingWatchdog()
            writeStatusIfDue()
        }
    }

    // MARK: - signals

    /// Handles one signal; returns an exit code when the master is done.
    private func handle(_ signal: Int32) -> Int32? {
        switch signal {
        case SIGCHLD:
            return nil
        case SIGTERM, SIGINT:
            logger.info("graceful stop requested", metadata: ["signal": "\(SignalSet.name(signal))", "graceful_timeout_s": "\(settings.gracefulTimeout)"])
            return stop(graceful: true)
        case SIGQUIT:
            logger.info("immediate stop requested", metadata: ["signal": "QUIT"])
            return stop(graceful: false)
        case SIGHUP:
            beginReload()
        case SIGTTIN:
            if settings.workers < 256 {
                settings.workers += 1
                logger.info("pool size increased (TTIN)", metadata: ["workers": "\(settings.workers)"])
                publishGauges()
                nextStatusAt = 0
            }
        case SIGTTOU:
            if settings.workers > 1 {
                settings.workers -= 1
                logger.info("pool size decreased (TTOU)", metadata: ["workers": "\(settings.workers)"])
                retireSurplus()
                publishGauges()
                nextStatusAt = 0
            } else {
                logger.warning("TTOU ignored: the pool keeps at least one worker")
            }
        default:
            break
        }
        return nil
    }

    /// Seconds to wait for a signal: short while something is changing, else half a second.
    private func waitInterval() -> Double {
        let busy = reload != nil || !announcedReady || records.values.contains { !$0.ready || $0.retiring }
        var interval = busy ? 0.05 : 0.5
        let now = Self.now()
        if currentWorkers().count < settings.workers, nextSpawnAt > now { interval = min(interval, max(0.01, nextSpawnAt - now)) }
        return interval
    }

    // MARK: - the pool

    private func currentWorkers() -> [WorkerRecord] {
        records.values.filter { $0.generation == generation && !$0.retiring }
    }

    /// Forks workers of the current generation until the pool has its size. After a start
    /// failure only one worker is started at a time, after an exponential back-off, until
    /// one becomes ready.
    private func maintainPool() {
        guard !stopping else { return }
        let current = currentWorkers()
        var missing = settings.workers - current.count
        guard missing > 0, Self.now() >= nextSpawnAt else { return }
        if startFailures > 0 {
            guard !current.contains(where: { !$0.ready }) else { return }  // a probe is still starting
            missing = 1
        }
        for _ in 0..<missing {
            guard spawn() else { return }
        }
        nextStatusAt = 0
    }

    private func spawn() -> Bool {
        guard let slot = freeSlots.popLast() else {
            logger.error("no free scoreboard slot; cannot start a worker", metadata: ["slots": "\(Scoreboard.slotCount)"])
            nextSpawnAt = Self.now() + 1
            return false
        }
        scoreboard.prepare(slot: slot, generation: generation)
        let maxRequests = settings.maxRequests > 0 ? settings.maxRequests + Int.random(in: 0...settings.maxRequestsJitter) : 0
        let context = WorkerContext(
            socket: socket.descriptor, socketIsTCP: socket.address.isTCP, scoreboard: scoreboard, slot: slot,
            generation: generation, masterPID: getpid(), configuration: configuration, settings: settings,
            maxRequests: maxRequests)
        fflush(nil)  // or buffered output would be written twice, once by each process
        let pid = fork()
        if pid < 0 {
            logger.error("fork failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
            scoreboard.release(slot: slot)
            freeSlots.append(slot)
            nextSpawnAt = Self.now() + 1
            return false
        }
        if pid == 0 {
            // The child: die with the master (and leave if it already died), then serve.
            _ = catalog_set_parent_death_signal(SIGTERM)
            if getppid() != context.masterPID { _exit(0) }
            worker(context)
        }
        records[pid] = WorkerRecord(pid: pid, slot: slot, generation: generation, startedAt: Self.now(), maxRequests: maxRequests)
        scoreboard.add(.workersStarted)
        logger.info("worker started", metadata: ["worker_pid": "\(pid)", "generation": "\(generation)", "slot": "\(slot)"])
        return true
    }

    /// TTOU: TERM current workers beyond the pool size, idle ones first, newest first.
    private func retireSurplus() {
        var current = currentWorkers()
        guard current.count > settings.workers else { return }
        let idle = Set(current.compactMap { record in scoreboard.slot(record.slot).flatMap { $0.state == .idle ? record.pid : nil } })
        current.sort { (idle.contains($0.pid) ? 0 : 1, -$0.startedAt) < (idle.contains($1.pid) ? 0 : 1, -$1.startedAt) }
        for record in current.prefix(current.count - settings.workers) {
            retire(record.pid, reason: "pool size decreased")
        }
    }

    private func retire(_ pid: pid_t, reason: String) {
        guard var record = records[pid], !record.retiring else { return }
        record.retiring = true
        record.retireDeadline = Self.now() + settings.gracefulTimeout
        records[pid] = record
        kill(pid, SIGTERM)
        logger.info("retiring worker", metadata: ["worker_pid": "\(pid)", "generation": "\(record.generation)", "reason": "\(reason)"])
    }

    /// Collects every exited worker: frees its slot, logs why it ended, and counts start
    /// failures (a worker that died before marking itself ready) for the back-off.
    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let record = records.removeValue(forKey: pid) else { continue }
            let last = scoreboard.slot(record.slot)
            scoreboard.release(slot: record.slot)
            freeSlots.append(record.slot)
            nextStatusAt = 0
            let outcome = WaitStatus(status)
            let lived = Self.now() - record.startedAt
            var metadata: Logger.Metadata = [
                "worker_pid": "\(pid)", "generation": "\(record.generation)", "status": "\(outcome)",
                "uptime_s": "\(String(format: "%.1f", lived))", "requests": "\(last?.requests ?? 0)",
            ]
            if let last, last.state.isBusy {
                metadata["method"] = "\(last.method)"
                metadata["path"] = "\(last.path)"
                metadata["request_id"] = "\(last.requestID)"
            }
            if let reason = record.killed {
                switch reason {
                case .notReady:
                    countStartFailure(outcome: "killed: not ready within \(options.readyTimeout)s", metadata: metadata)
                case .timeout, .heartbeat, .graceExpired:
                    logger.info("killed worker reaped", metadata: metadata)
                }
            } else if !record.ready, last.map({ $0.state == .starting || $0.pid != pid }) ?? true {
                // Died before marking itself ready. (A worker that became ready and exited
                // before the master's next look, e.g. recycled after a few fast requests,
                // has left its slot past `starting` and is judged below.)
                if stopping || record.retiring {
                    logger.info("worker exited before it was ready", metadata: metadata)
                } else {
                    countStartFailure(outcome: outcome.description, metadata: metadata)
                }
            } else if record.retiring || stopping {
                if !outcome.isFailure {
                    scoreboard.add(.workersRetired)
                    logger.info("worker retired", metadata: metadata)
                } else {
                    scoreboard.add(.workersCrashed)
                    logger.error("worker died while retiring", metadata: metadata)
                }
            } else if !outcome.isFailure {
                if record.maxRequests > 0, (last?.requests ?? 0) >= UInt64(record.maxRequests) {
                    scoreboard.add(.workersRecycled)
                    logger.info("worker recycled after max requests; replacing it", metadata: metadata)
                } else {
                    logger.info("worker exited; replacing it", metadata: metadata)
                }
            } else {
                scoreboard.add(.workersCrashed)
                logger.error("worker died; replacing it", metadata: metadata)
            }
        }
    }

    private func countStartFailure(outcome: String, metadata: Logger.Metadata) {
        startFailures += 1
        lastStartFailure = outcome
        scoreboard.add(.startFailures)
        let delay = min(0.1 * pow(2, Double(startFailures - 1)), 5)
        nextSpawnAt = Self.now() + delay
        var metadata = metadata
        metadata["consecutive_failures"] = "\(startFailures)"
        metadata["retry_in_s"] = "\(String(format: "%.1f", delay))"
        logger.error("worker failed to start", metadata: metadata)
    }

    /// Reads every worker's slot: readiness, request timeout, heartbeat, retirement deadline.
    private func superviseSlots() {
        let now = Self.now()
        let nowMilliseconds = Scoreboard.monotonicMilliseconds()
        for (pid, record) in records where record.killed == nil {
            guard let slot = scoreboard.slot(record.slot) else { continue }
            if !record.ready {
                if slot.state != .starting, slot.pid == pid {
                    records[pid]!.ready = true
                    nextStatusAt = 0
                    if startFailures > 0 {
                        logger.info("a worker started again; back-off cleared", metadata: ["worker_pid": "\(pid)", "after_failures": "\(startFailures)"])
                    }
                    startFailures = 0
                    nextSpawnAt = 0
                } else if now - record.startedAt > options.readyTimeout {
                    logger.error("worker did not become ready in time; killing it", metadata: [
                        "worker_pid": "\(pid)", "ready_timeout_s": "\(options.readyTimeout)",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .notReady
                }
                continue
            }
            if slot.state.isBusy, slot.requestStartedMilliseconds > 0 {
                let elapsed = Double(nowMilliseconds - slot.requestStartedMilliseconds) / 1000
                if elapsed > settings.timeout {
                    logger.error("worker timed out; killing it", metadata: [
                        "worker_pid": "\(pid)", "generation": "\(record.generation)", "state": "\(slot.state)",
                        "method": "\(slot.method.isEmpty ? "-" : slot.method)", "path": "\(slot.path.isEmpty ? "-" : slot.path)",
                        "request_id": "\(slot.requestID.isEmpty ? "-" : slot.requestID)",
                        "seconds": "\(String(format: "%.1f", elapsed))", "timeout_s": "\(settings.timeout)",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .timeout
                    scoreboard.add(.workersTimedOut)
                    continue
                }
            } else if slot.state == .idle {
                let silent = Double(nowMilliseconds - slot.heartbeatMilliseconds) / 1000
                if silent > max(settings.timeout, 10) {
                    logger.error("worker stopped sending heartbeats; killing it", metadata: [
                        "worker_pid": "\(pid)", "silent_s": "\(String(format: "%.1f", silent))",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .heartbeat
                    scoreboard.add(.workersCrashed)
                    continue
                }
            }
            if record.retiring, let deadline = record.retireDeadline, now > deadline {
                logger.warning("retiring worker did not finish within the graceful timeout; killing it", metadata: [
                    "worker_pid": "\(pid)", "state": "\(slot.state)", "method": "\(slot.method)", "path": "\(slot.path)",
                    "request_id": "\(slot.requestID)", "graceful_timeout_s": "\(settings.gracefulTimeout)",
                ])
                kill(pid, SIGKILL)
                records[pid]!.killed = .graceExpired
                scoreboard.add(.workersRetired)
            }
        }
    }

    // MARK: - reload

    private func beginReload() {
        guard !stopping else { return }
        if reload != nil {
            reloadPending = true
            logger.info("HUP during a reload: another reload will follow this one")
            return
        }
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())\nSTATUS=reloading")
        logger.info("reload requested (HUP): re-reading the configuration", metadata: ["env_file": "\(source.envFile ?? "-")"])
        let loaded: ConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            for line in error.lines { logger.error("reload: configuration problem", metadata: ["problem": "\(line)"]) }
            logger.error("reload aborted: the configuration is invalid; the running workers keep serving")
            scoreboard.add(.reloadsFailed)
            notifier.notify("READY=1\nSTATUS=reload failed (invalid configuration); serving with generation \(generation)")
            return
        }
        if let bind = loaded.environment["CATALOG_BIND"], (try? BindAddress(parsing: bind)) != socket.address, !socket.inherited {
            logger.warning("CATALOG_BIND changed; the listening socket is kept across reloads (restart to move it)", metadata: [
                "listening": "\(socket.address)", "configured": "\(bind)",
            ])
        }
        reload = Reload(previousGeneration: generation, previousSettings: settings, previousConfiguration: configuration,
                        deadline: Self.now() + options.readyTimeout)
        ReloadableLogging.apply(loaded.configuration)
        logger = Logger(label: "catalog.master")
        settings = loaded.settings
        configuration = loaded.configuration
        generation = nextGeneration
        nextGeneration += 1
        startFailures = 0
        nextSpawnAt = 0
        publishGauges()
        logger.info("reload: starting a new generation", metadata: ["generation": "\(generation)", "workers": "\(settings.workers)"])
    }

    private func advanceReload() {
        guard var current = reload else { return }
        if !current.draining {
            let fresh = currentWorkers()
            if fresh.count >= settings.workers, fresh.allSatisfy(\.ready) {
                let old = records.values.filter { $0.generation != generation && !$0.retiring }
                for record in old { retire(record.pid, reason: "reload: generation \(generation) is ready") }
                current.draining = true
                reload = current
                logger.info("reload: new generation ready; old workers finish their requests and exit", metadata: [
                    "generation": "\(generation)", "retiring": "\(old.count)",
                ])
            } else if Self.now() > current.deadline {
                abortReload("the new workers were not ready within \(options.readyTimeout)s")
                return
            }
        }
        if current.draining, !records.values.contains(where: { $0.generation != generation }) {
            reload = nil
            scoreboard.add(.reloads)
            nextStatusAt = 0
            logger.info("reload complete", metadata: ["generation": "\(generation)", "workers": "\(currentWorkers().count)"])
            notifier.notify("READY=1\nSTATUS=serving with \(settings.workers) workers, generation \(generation)")
            if reloadPending {
                reloadPending = false
                beginReload()
            }
        }
    }

    private func abortReload(_ reason: String) {
        guard let current = reload else { return }
        logger.error("reload aborted; the previous generation keeps serving", metadata: [
            "reason": "\(reason)", "generation": "\(current.previousGeneration)",
        ])
        for record in records.values where record.generation == generation {
            if record.ready { retire(record.pid, reason: "reload aborted") } else {
                kill(record.pid, SIGKILL)
                records[record.pid]!.retiring = true
            }
        }
        generation = current.previousGeneration
        settings = current.previousSettings
        configuration = current.previousConfiguration
        ReloadableLogging.apply(configuration)
        reload = nil
        reloadPending = false
        startFailures = 0
        nextSpawnAt = 0
        scoreboard.add(.reloadsFailed)
        publishGauges()
        notifier.notify("READY=1\nSTATUS=reload failed; serving with generation \(generation)")
    }

    // MARK: - stop

    /// Stops the pool. Graceful: TERM (idle workers leave at once, busy ones after their
    /// response), wait up to the grace period, then KILL the rest. Immediate: QUIT.
    /// The listening socket stays open until the last worker is gone.
    private func stop(graceful: Bool) -> Int32 {
        stopping = true
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        for pid in records.keys { kill(pid, graceful ? SIGTERM : SIGQUIT) }
        var deadline = Self.now() + (graceful ? settings.gracefulTimeout : 2)
        var escalated = !graceful
        while !records.isEmpty, Self.now() < deadline {
            if let signal = SignalSet.wait(&signals, seconds: min(0.05, max(0.001, deadline - Self.now()))) {
                if signal == SIGQUIT, !escalated {
                    logger.info("QUIT during a graceful stop: stopping at once")
                    for pid in records.keys { kill(pid, SIGQUIT) }
                    deadline = min(deadline, Self.now() + 2)
                    escalated = true
                }
            }
            reap()
            if !escalated { superviseSlots() }
            writeStatusIfDue()
        }
        reap()
        if !records.isEmpty {
            logger.warning("workers did not stop in time; killing them", metadata: [
                "count": "\(records.count)", "pids": "\(records.keys.sorted().map(String.init).joined(separator: ","))",
            ])
            for pid in records.keys { kill(pid, SIGKILL) }
            for pid in records.keys { var status: Int32 = 0; waitpid(pid, &status, 0) }
            records.removeAll()
        }
        socket.close()
        if let pidFile = options.pidFile { unlink(pidFile) }
        if let statusFile = options.statusFile { unlink(statusFile) }
        logger.info("master stopped")
        return 0
    }

    // MARK: - systemd, status

    private func announceReadiness() {
        guard !announcedReady, reload == nil else { return }
        let current = currentWorkers()
        guard current.count >= settings.workers, current.allSatisfy(\.ready) else { return }
        announcedReady = true
        logger.info("pool ready", metadata: ["workers": "\(current.count)", "generation": "\(generation)"])
        notifier.notify("READY=1\nSTATUS=serving with \(settings.workers) workers, generation \(generation)")
    }

    private func pingWatchdog() {
        guard let interval = notifier.watchdogInterval else { return }
        let now = Self.now()
        guard now >= nextWatchdogAt else { return }
        nextWatchdogAt = now + interval
        notifier.notify("WATCHDOG=1")
    }

    private func publishGauges() {
        scoreboard.set(.configuredWorkers, UInt64(settings.workers))
        scoreboard.set(.generation, UInt64(generation))
        scoreboard.set(.timeoutMilliseconds, UInt64(settings.timeout * 1000))
    }

    private func writeStatusIfDue() {
        guard let path = options.statusFile else { return }
        let now = Self.now()
        guard now >= nextStatusAt else { return }
        nextStatusAt = now + 1
        let state = stopping ? "stopping" : reload != nil ? "reloading" : announcedReady ? "running" : "starting"
        let workers = records.values.sorted { ($0.generation, $0.startedAt) < ($1.generation, $1.startedAt) }.map { record in
            StatusReport.Worker(pid: record.pid, slot: record.slot, generation: record.generation, ready: record.ready,
                                retiring: record.retiring, maxRequests: record.maxRequests, scoreboard: scoreboard.slot(record.slot))
        }
        let report = StatusReport(
            masterPID: getpid(), listen: socket.address.description, socketFromSystemd: socket.inherited, state: state,
            startedWallMilliseconds: startedWallMilliseconds, generation: generation, settings: settings,
            envFile: source.envFile, workers: workers, scoreboard: scoreboard)
        if let error = report.write(to: path) {
            logger.warning("could not write the status file", metadata: ["path": "\(path)", "error": "\(error)"])
            nextStatusAt = now + 30
        }
    }

    private func writePidFile() {
        guard let pidFile = options.pidFile else { return }
        let text = "\(getpid())\n"
        _ = FileManager.default.createFile(atPath: pidFile, contents: Data(text.utf8))
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

extension WaitStatus {
    var isFailure: Bool {
        if case .exited(0) = self { return false }
        return true
    }
}

extension BindAddress {
    var isTCP: Bool {
        if case .tcp = self { return true }
        return false
    }
}
