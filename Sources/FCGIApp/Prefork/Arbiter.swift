import CFastCGI
import CProcess
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
///
/// The type is split by concern: this file holds its state and the loop;
/// `Arbiter+Pool` forks, retires and reaps workers, `Arbiter+Supervision` reads their
/// scoreboard slots, `Arbiter+Reload` runs HUP, `Arbiter+Stop` the shutdown, and
/// `Arbiter+Reporting` talks to systemd and writes the status and pid files.
final class Arbiter {
    struct Options {
        var pidFile: String?
        var statusFile: String?
        /// A new worker must mark itself ready in its slot within this many seconds.
        var readyTimeout: Double = 30
    }

    enum KillReason { case timeout, notReady, heartbeat, graceExpired }

    struct WorkerRecord {
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
    struct Reload {
        let previousGeneration: UInt32
        let previousSettings: PoolSettings
        let previousConfiguration: ServiceConfiguration
        let deadline: Double
        var draining = false
    }

    let source: ConfigurationSource
    var settings: PoolSettings
    var configuration: ServiceConfiguration
    let options: Options
    let socket: ListeningSocket
    var logger: Logger
    let scoreboard: Scoreboard
    let notifier: SystemdNotifier
    /// Runs in the forked child; never returns.
    let worker: (WorkerContext) -> Never

    var records: [pid_t: WorkerRecord] = [:]
    var freeSlots: [Int]
    var generation: UInt32 = 1
    var nextGeneration: UInt32 = 2
    var reload: Reload?
    var reloadPending = false
    var stopping = false
    /// Consecutive workers that died before becoming ready.
    var startFailures = 0
    var lastStartFailure = ""
    var nextSpawnAt = 0.0
    var announcedReady = false
    var nextWatchdogAt = 0.0
    var nextStatusAt = 0.0
    var signals = sigset_t()
    let startedWallMilliseconds = Scoreboard.wallMilliseconds()

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
    func handle(_ signal: Int32) -> Int32? {
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
    func waitInterval() -> Double {
        let busy = reload != nil || !announcedReady || records.values.contains { !$0.ready || $0.retiring }
        var interval = busy ? 0.05 : 0.5
        let now = Self.now()
        if currentWorkers().count < settings.workers, nextSpawnAt > now { interval = min(interval, max(0.01, nextSpawnAt - now)) }
        return interval
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
