import CFastCGI
import Core
import Foundation
import Logging

/// The pre-fork master: it owns the listening socket, forks the workers, and supervises.
///
/// Like gunicorn's arbiter and PHP-FPM's process manager, it never serves a request. It
/// forks every worker before any thread exists in the process (fork copies only the
/// calling thread), replaces workers that die, and stops them gracefully on TERM/INT.
final class Arbiter {
    struct Settings {
        var workers: Int
        /// Seconds that in-flight requests get on TERM before the remaining workers are killed.
        var gracefulTimeout: Double
        var pidFile: String?
    }

    /// A running worker.
    private struct WorkerRecord {
        let startedAt: Double
    }

    private var settings: Settings
    private let socket: ListeningSocket
    private let logger: Logger
    /// Runs in the forked child; never returns.
    private let worker: (Int32) -> Never
    private var workers: [pid_t: WorkerRecord] = [:]
    private var signals = sigset_t()
    /// Consecutive workers that died within `quickDeathSeconds` of starting.
    private var quickDeaths = 0
    private var nextSpawnAt = 0.0

    static let quickDeathSeconds = 2.0
    /// After this many quick deaths in a row the master gives up instead of fork-looping.
    static let quickDeathLimit = 10

    init(settings: Settings, socket: ListeningSocket, logger: Logger, worker: @escaping (Int32) -> Never) {
        self.settings = settings
        self.socket = socket
        self.logger = logger
        self.worker = worker
    }

    /// Supervises until stopped; returns the process exit code.
    func run() -> Int32 {
        signals = SignalSet.block()
        FCGX_Init()
        _ = catalog_set_process_name("catalog-master")
        writePidFile()
        logger.info("master started", metadata: [
            "bind": "\(socket.address)", "workers": "\(settings.workers)", "version": "\(CatalogVersion.current)",
        ])
        maintainPool()
        while true {
            let signal = SignalSet.wait(&signals, seconds: 1)
            switch signal {
            case SIGCHLD:
                reap()
            case SIGTERM, SIGINT:
                logger.info("graceful stop requested", metadata: ["signal": "\(SignalSet.name(signal!))"])
                return stop(graceful: true)
            case SIGQUIT:
                logger.info("immediate stop requested")
                return stop(graceful: false)
            case SIGTTIN:
                settings.workers = min(settings.workers + 1, 256)
                logger.info("pool size increased", metadata: ["workers": "\(settings.workers)"])
            case SIGTTOU:
                if settings.workers > 1 {
                    settings.workers -= 1
                    logger.info("pool size decreased", metadata: ["workers": "\(settings.workers)"])
                    if let pid = workers.keys.max() { kill(pid, SIGTERM) }
                }
            case SIGHUP:
                logger.warning("HUP received: configuration reload is not supported yet; ignoring")
            default:
                reap()
            }
            if quickDeaths >= Self.quickDeathLimit {
                logger.critical("workers keep dying right after start; giving up", metadata: ["quick_deaths": "\(quickDeaths)"])
                _ = stop(graceful: false)
                return 1
            }
            maintainPool()
        }
    }

    /// Forks workers until the pool has its configured size (respecting the back-off).
    private func maintainPool() {
        let now = Self.now()
        guard now >= nextSpawnAt else { return }
        while workers.count < settings.workers {
            guard spawn() else { return }
        }
    }

    private func spawn() -> Bool {
        fflush(nil)  // or buffered output would be written twice, once by each process
        let master = getpid()
        let pid = fork()
        if pid < 0 {
            logger.error("fork failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
            nextSpawnAt = Self.now() + 1
            return false
        }
        if pid == 0 {
            // The child: die with the master, restore signals, then serve forever.
            _ = catalog_set_parent_death_signal(SIGTERM)
            if getppid() != master { _exit(0) }
            SignalSet.unblockAll()
            worker(socket.descriptor)
        }
        workers[pid] = WorkerRecord(startedAt: Self.now())
        logger.info("worker started", metadata: ["worker_pid": "\(pid)"])
        return true
    }

    /// Collects every exited worker and decides whether the pool needs a back-off.
    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let record = workers.removeValue(forKey: pid) else { continue }
            let lived = Self.now() - record.startedAt
            let outcome = WaitStatus(status)
            if case .exited(0) = outcome {
                logger.info("worker exited", metadata: ["worker_pid": "\(pid)", "status": "\(outcome)"])
            } else {
                logger.error("worker died; replacing it", metadata: [
                    "worker_pid": "\(pid)", "status": "\(outcome)", "uptime_s": "\(String(format: "%.1f", lived))",
                ])
            }
            if lived < Self.quickDeathSeconds, outcome.isFailure {
                quickDeaths += 1
                let delay = min(pow(2, Double(quickDeaths - 1)) * 0.1, 5)
                nextSpawnAt = Self.now() + delay
            } else {
                quickDeaths = 0
            }
        }
    }

    /// Stops the pool. Graceful: TERM, wait up to the grace period, then KILL the rest.
    private func stop(graceful: Bool) -> Int32 {
        for pid in workers.keys { kill(pid, graceful ? SIGTERM : SIGQUIT) }
        let deadline = Self.now() + (graceful ? settings.gracefulTimeout : 2)
        while !workers.isEmpty, Self.now() < deadline {
            reap()
            if workers.isEmpty { break }
            _ = SignalSet.wait(&signals, seconds: min(0.2, max(0.01, deadline - Self.now())))
        }
        reap()
        if !workers.isEmpty {
            logger.warning("workers did not stop in time; killing them", metadata: ["count": "\(workers.count)"])
            for pid in workers.keys { kill(pid, SIGKILL) }
            for pid in workers.keys { var status: Int32 = 0; waitpid(pid, &status, 0) }
            workers.removeAll()
        }
        socket.close()
        if let pidFile = settings.pidFile { unlink(pidFile) }
        logger.info("master stopped")
        return 0
    }

    private func writePidFile() {
        guard let pidFile = settings.pidFile else { return }
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

