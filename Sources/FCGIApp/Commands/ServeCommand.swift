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
            Signals: TERM/INT stop gracefully (in-flight requests finish within --graceful-timeout), \
            QUIT stops at once, TTIN/TTOU add or remove one worker.
            """)

    @Option(help: "Where to listen: unix:/path/to.sock or HOST:PORT (default: $CATALOG_BIND or unix:/run/catalog/catalog.sock).")
    var bind: String?

    @Option(help: "Number of worker processes (default: $CATALOG_WORKERS or 4).")
    var workers: Int?

    @Option(help: "Seconds in-flight requests get to finish on TERM before workers are killed.")
    var gracefulTimeout: Double = 30

    @Option(help: "Octal permissions of a unix socket (nginx must be able to connect).")
    var socketMode: String = "0660"

    @Option(help: "Listen backlog: connections the kernel queues while every worker is busy.")
    var backlog: Int32 = 1024

    @Option(help: "Write the master's pid to this file.")
    var pidFile: String?

    func run() throws {
        let configuration = Startup.configuration()
        Startup.bootstrapLogging(configuration)
        let logger = Logger(label: "catalog.master")
        let environment = ProcessInfo.processInfo.environment

        let workerCount = workers ?? environment["CATALOG_WORKERS"].flatMap(Int.init) ?? 4
        guard (1...256).contains(workerCount) else {
            Startup.printError("catalog serve: --workers must be from 1 to 256")
            throw ExitCode(64)
        }
        guard let mode = mode_t(socketMode, radix: 8), mode <= 0o777 else {
            Startup.printError("catalog serve: --socket-mode must be octal permissions such as 0660")
            throw ExitCode(64)
        }
        let address: BindAddress
        do {
            address = try BindAddress(parsing: bind ?? environment["CATALOG_BIND"] ?? "unix:/run/catalog/catalog.sock")
        } catch {
            Startup.printError("catalog serve: \(error)")
            throw ExitCode(64)
        }

        let socket: ListeningSocket
        do {
            socket = try ListeningSocket(address: address, backlog: backlog, mode: mode)
        } catch {
            Startup.printError("catalog serve: \(error)")
            throw ExitCode(71)
        }

        let arbiter = Arbiter(
            settings: .init(workers: workerCount, gracefulTimeout: gracefulTimeout, pidFile: pidFile),
            socket: socket,
            logger: logger,
            worker: { socketDescriptor in
                Worker(socket: socketDescriptor, configuration: configuration).run()
            })
        throw ExitCode(arbiter.run())
    }
}
