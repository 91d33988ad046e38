import CFastCGI
import Core
import Foundation
import Logging

/// One worker process: accepts a FastCGI request, serves it, repeats.
///
/// Everything stateful is created here, after `fork()`: the service (route table,
/// OpenAPI document) and its database connection, which opens on the first request that
/// needs it. One request at a time, synchronously, as in PHP-FPM.
struct Worker {
    let socket: Int32
    let configuration: ServiceConfiguration

    func run() -> Never {
        _ = catalog_set_process_name("catalog-worker")
        WorkerSignals.install()
        let logger = Logger(label: "catalog.worker")
        let service = CatalogService(configuration: configuration, logger: logger)

        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, socket, 0) == 0 else {
            logger.critical("FCGX_InitRequest failed")
            exit(70)
        }
        while WorkerSignals.stopRequested == 0 {
            guard FCGX_Accept_r(&request) >= 0 else {
                if WorkerSignals.stopRequested != 0 { break }
                logger.error("FCGX_Accept_r failed", metadata: ["errno": "\(errno)"])
                exit(71)
            }
            WorkerSignals.busy = 1
            let exchange = FastCGIExchange(request: &request, maxBodyBytes: configuration.maxBodyBytes)
            if let incoming = exchange.readRequest() {
                let response = service.respond(to: incoming)
                exchange.write(response, includeBody: incoming.method != .head)
            } else {
                exchange.write(Problem(status: .badRequest, detail: "The request line could not be understood.").response, includeBody: true)
            }
            FCGX_Finish_r(&request)
            WorkerSignals.busy = 0
        }
        service.database.disconnect()
        exit(0)
    }
}
