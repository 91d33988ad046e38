import CFastCGI
import CProcess
import Core
import Foundation
import Logging
import ProcessPool

/// The pre-fork master: it owns the listening socket and the scoreboard, forks the
/// workers, and supervises. It never serves a request.
///
/// Like gunicorn's arbiter and PHP-FPM's process manager it forks every worker before
/// any thread exists in the process (fork copies only the calling thread). It blocks the
/// signals it handles and takes them with `sigtimedwait` in its loop, so no code runs in
/// an asynchronous signal handler and nothing can block there.
///
/// What to do is decided by `PoolStateMachine` (ProcessPool), a value without system
/// calls: the Arbiter only gathers events — signals, `waitpid`, the workers' scoreboard
/// slots, the clock — hands them to the machine, and executes the actions it returns
/// (fork, kill, log, count, notify systemd, exit). Each turn of the loop: start what the
/// pool lacks, take the signals that arrived, reap exited workers, and end the turn with
/// every slot's state (supervision, the reload's progress, the start-failure limit,
/// readiness, the end of a stop); then ping systemd's watchdog and write the status file.
///
/// - `HUP`: re-read the configuration, fork a new generation, and once all of it is
///   ready, TERM the old one (which finishes its requests). The listening socket stays
///   open throughout, so no connection is refused or reset.
/// - `TERM`/`INT`: graceful stop within `gracefulTimeout`, then KILL. `QUIT`: at once.
/// - `TTIN`/`TTOU`: one worker more / fewer.
///
/// The type is split by concern: this file holds its state and the loop;
/// `Arbiter+Events` gathers events, `Arbiter+Actions` executes actions (`+Reload` the
/// re-reading of the configuration, `+Stop` the exit), and `Arbiter+Reporting` talks to
/// systemd and writes the status and pid files.
final class Arbiter {
    typealias Machine = PoolStateMachine<ServiceConfiguration, SystemRandomNumberGenerator>

    struct Options {
        var pidFile: String?
        var statusFile: String?
        /// A new worker must mark itself ready in its slot within this many seconds.
        var readyTimeout: Double = 30
    }

    let source: ConfigurationSource
    let options: Options
    let socket: ListeningSocket
    var logger: Logger
    let scoreboard: Scoreboard
    let notifier: SystemdNotifier
    /// Runs in the forked child; never returns.
    let worker: (WorkerContext) -> Never

    /// The pool's state and every decision about it.
    var machine: Machine
    var nextWatchdogAt = 0.0
    var nextStatusAt = 0.0
    var signals = sigset_t()
    let startedWallMilliseconds = Scoreboard.wallMilliseconds()
    /// Set by the `.exit` action: the master is done.
    var exitCode: Int32?

    init(source: ConfigurationSource, loaded: ConfigurationSource.Loaded, options: Options, socket: ListeningSocket,
         scoreboard: Scoreboard, notifier: SystemdNotifier, worker: @escaping (WorkerContext) -> Never) {
        self.source = source
        self.options = options
        self.socket = socket
        self.scoreboard = scoreboard
        self.notifier = notifier
        self.worker = worker
        self.logger = Logger(label: "catalog.master")
        self.machine = Machine(settings: loaded.settings, configuration: loaded.configuration, slotCount: Scoreboard.slotCount,
                               readyTimeout: options.readyTimeout, random: SystemRandomNumberGenerator())
    }

    var settings: PoolSettings { machine.settings }

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
            send(.maintainPool(now: Self.now()))
            if let signal = SignalSet.wait(&signals, seconds: machine.waitInterval(now: Self.now())) {
                handle(signal)
                while let more = SignalSet.wait(&signals, seconds: 0) { handle(more) }
            }
            reap()
            send(.tick(slots: observeSlots(), now: Self.now(), nowMilliseconds: Scoreboard.monotonicMilliseconds()))
            if let exitCode { return exitCode }
            if !machine.isStopping { pingWatchdog() }
            writeStatusIfDue()
        }
    }

    /// Hands one event to the machine and executes what it decides.
    func send(_ event: Machine.Event) {
        execute(machine.handle(event))
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
