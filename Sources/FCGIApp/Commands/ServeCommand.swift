import ArgumentParser
import Core
import Foundation
import Logging

/// `catalog serve`: the pre-fork master and its FastCGI workers.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the API over FastCGI with a pool of pre-forked worker processes.",
        discussion: """
            Signals to the master: HUP reloads with zero downtime (re-reads the environment and \
            --env-file, starts a new generation of workers, then retires the old one gracefully); \
            TERM/INT stop gracefully (in-flight requests finish within --graceful-timeout, then KILL); \
            QUIT stops at once; TTIN/TTOU add or remove one worker.
            Under systemd: Type=notify (READY/RELOADING/STOPPING/WATCHDOG), and socket activation \
            (LISTEN_FDS) replaces --bind. Every option below except --bind, --socket-mode, \
            --backlog, --pid-file, --status-file and --env-file can also be set in the environment \
            as CATALOG_<OPTION> (e.g. CATALOG_MAX_REQUESTS); the command line wins. See docs/OPERATIONS.md.
            """)

    @Option(help: "Where to listen: unix:/path/to.sock or HOST:PORT (default: $CATALOG_BIND or unix:/run/catalog/catalog.sock). Ignored under socket activation.")
    var bind: String?

    @Option(help: "Number of worker processes (default: $CATALOG_WORKERS or 4).")
    var workers: Int?

    @Option(help: "Seconds in-flight requests get to finish on TERM (and old workers on reload) before they are killed (default: $CATALOG_GRACEFUL_TIMEOUT or 30).")
    var gracefulTimeout: Double?

    @Option(help: "Seconds one request may take before its worker is killed and replaced (default: $CATALOG_TIMEOUT or 30).")
    var timeout: Double?

    @Option(help: "Requests after which a worker exits between requests and is replaced; 0 = never (default: $CATALOG_MAX_REQUESTS or 0).")
    var maxRequests: Int?

    @Option(help: "Up to this many extra requests, random per worker, so workers do not recycle together (default: $CATALOG_MAX_REQUESTS_JITTER or 0).")
    var maxRequestsJitter: Int?

    @Option(help: "Workers in a row that may fail to start before the master gives up (default: $CATALOG_MAX_START_FAILURES or 10).")
    var maxStartFailures: Int?

    @Option(help: "Octal permissions of a unix socket (nginx must be able to connect).")
    var socketMode: String = "0660"

    @Option(help: "Listen backlog: connections the kernel queues while every worker is busy.")
    var backlog: Int32 = 1024

    @Option(help: "Write the master's pid to this file.")
    var pidFile: String?

    @Option(help: "Where the master writes the pool status for `catalog status` (default: $CATALOG_STATUS_FILE, else status.json next to a unix socket, else none).")
    var statusFile: String?

    @Option(help: "Env file (NAME=value lines) overlaid on the environment at start and re-read on every HUP (default: $CATALOG_ENV_FILE).")
    var envFile: String?

    func run() throws {
        let processEnvironment = ProcessInfo.processInfo.environment
        let source = ConfigurationSource(
            overrides: .init(workers: workers, gracefulTimeout: gracefulTimeout, timeout: timeout, maxRequests: maxRequests,
                             maxRequestsJitter: maxRequestsJitter, maxStartFailures: maxStartFailures),
            envFile: envFile ?? processEnvironment["CATALOG_ENV_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        let loaded: ConfigurationSource.Loaded
        do {
            loaded = try source.load()
        } catch {
            for line in error.lines { Startup.printError("configuration: \(line)") }
            throw ExitCode(78)  // EX_CONFIG
        }
        ReloadableLogging.bootstrap(loaded.configuration)

        guard let mode = mode_t(socketMode, radix: 8), mode <= 0o777 else {
            Startup.printError("catalog serve: --socket-mode must be octal permissions such as 0660")
            throw ExitCode(64)
        }
        let notifier = SystemdNotifier.fromEnvironment()
        let socket: ListeningSocket
        do {
            if let inherited = try SocketActivation.inheritedSocket() {
                socket = ListeningSocket(inheritedDescriptor: inherited)
            } else {
                let address = try BindAddress(parsing: bind ?? loaded.environment["CATALOG_BIND"] ?? "unix:/run/catalog/catalog.sock")
                socket = try ListeningSocket(address: address, backlog: backlog, mode: mode)
            }
        } catch let error as BindAddress.ParseError {
            Startup.printError("catalog serve: \(error)")
            throw ExitCode(64)
        } catch {
            Startup.printError("catalog serve: \(error)")
            throw ExitCode(71)
        }

        let scoreboard: Scoreboard
        do {
            scoreboard = try Scoreboard()
        } catch {
            Startup.printError("catalog serve: \(error)")
            throw ExitCode(71)
        }

        let arbiter = Arbiter(
            source: source, loaded: loaded,
            options: .init(pidFile: pidFile, statusFile: Self.statusFile(statusFile, environment: loaded.environment, address: socket.address)),
            socket: socket, scoreboard: scoreboard, notifier: notifier,
            worker: { context in Worker(context: context).run() })
        throw ExitCode(arbiter.run())
    }

    /// The status file: the option, `$CATALOG_STATUS_FILE`, or `status.json` in the unix
    /// socket's directory (`/run/catalog/status.json` in production); none for TCP.
    static func statusFile(_ option: String?, environment: [String: String], address: BindAddress) -> String? {
        if let option { return option.isEmpty ? nil : option }
        if let variable = environment["CATALOG_STATUS_FILE"] { return variable.isEmpty ? nil : variable }
        if case .unix(let path) = address {
            return (path as NSString).deletingLastPathComponent + "/status.json"
        }
        return nil
    }
}
