import CFastCGI
import Core
import Foundation
import Logging

/// Everything a freshly forked worker needs, handed over by the master.
struct WorkerContext {
    let socket: Int32
    let socketIsTCP: Bool
    let scoreboard: Scoreboard
    let slot: Int
    let generation: UInt32
    let masterPID: pid_t
    let configuration: ServiceConfiguration
    let settings: PoolSettings
    /// `--max-requests` plus this worker's jitter; 0 = no limit.
    let maxRequests: Int
}

/// One worker process: waits for a connection, serves its request, repeats.
///
/// Everything stateful is created here, after `fork()`: the service (route table,
/// OpenAPI document) and its database connection, which opens on the first request that
/// needs it. One request at a time, synchronously, as in PHP-FPM. The worker publishes
/// its state in its scoreboard slot at every step (idle → reading → handling → writing →
/// idle), which is what the master's timeout, `catalog status` and `/metrics` read.
///
/// It accepts connections itself (a blocking `accept`, the only place where TERM is
/// unblocked) and hands the connection to libfcgi, instead of letting `FCGX_Accept_r`
/// accept: that is what lets TERM interrupt only the wait, never drop a connection just
/// accepted (see `WorkerSignals`).
struct Worker {
    let context: WorkerContext

    func run() -> Never {
        _ = catalog_set_process_name("catalog-worker")
        WorkerSignals.install()
        let pid = getpid()
        let scoreboard = context.scoreboard
        let slot = context.slot
        var logger = Logger(label: "catalog.worker")
        logger[metadataKey: "generation"] = "\(context.generation)"

        if context.settings.testRoutes, ProcessInfo.processInfo.environment["CATALOG_TEST_FAIL_WORKER_START"] == "1" {
            logger.critical("test hook CATALOG_TEST_FAIL_WORKER_START=1: failing on purpose before becoming ready")
            exit(70)
        }

        let instrumentation = ScoreboardInstrumentation(scoreboard: scoreboard)
        let admission = ScoreboardPasswordAdmission(scoreboard: scoreboard, slots: context.configuration.passwordSlots)
        let service = CatalogService(configuration: context.configuration, logger: logger, instrumentation: instrumentation,
                                     passwordAdmission: admission)

        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, context.socket, 0) == 0 else {
            logger.critical("FCGX_InitRequest failed")
            exit(70)
        }
        scoreboard.setState(slot: slot, pid: pid, .idle)  // ready: the master counts it in the pool

        var served = 0
        var reconnectsSeen = 0
        var recycled = false
        var peakRSS: UInt64 = 0
        serving: while WorkerSignals.stopRequested == 0 {
            if request.ipcFd >= 0 {
                // A kept-alive connection (FCGI_KEEP_CONN): the worker stays with it, as
                // libfcgi does, waiting for nginx's next request on it.
                let ready = catalog_wait_readable(request.ipcFd, 1000, &WorkerSignals.waitMask)
                // With data already waiting, pselect returns at once and restores the mask
                // without delivering a pending TERM; ask the kernel directly.
                if WorkerSignals.stopRequested != 0 || WorkerSignals.stopPending() { break }
                if ready < 0, errno != EINTR {
                    logger.critical("pselect failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
                    exit(71)
                }
                if ready <= 0 {
                    scoreboard.heartbeat(slot: slot)
                    if getppid() != context.masterPID { break }
                    continue
                }
            } else {
                // Wait in accept with TERM/INT unblocked: a pending stop is delivered the moment
                // they are unblocked (and seen below), one arriving during accept interrupts it
                // (EINTR), and one arriving after accept returned a connection only sets the
                // flag: that connection is served first. The listening socket's SO_RCVTIMEO
                // (1 s) bounds the wait, for the heartbeat and the orphan check. A blocking
                // accept wakes one worker per connection (no thundering herd).
                sigprocmask(SIG_SETMASK, &WorkerSignals.waitMask, nil)
                let connection = WorkerSignals.stopRequested != 0 ? -1 : accept(context.socket, nil, nil)
                let acceptError = errno
                sigprocmask(SIG_SETMASK, &WorkerSignals.workMask, nil)
                if connection < 0 {
                    if WorkerSignals.stopRequested != 0 { break }
                    switch acceptError {
                    case EAGAIN, EWOULDBLOCK:
                        scoreboard.heartbeat(slot: slot)  // the 1 s accept timeout
                        if getppid() != context.masterPID { break serving }  // orphaned (PDEATHSIG is the first line of defence)
                        continue
                    case EINTR, ECONNABORTED, EPROTO:
                        continue
                    case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                        logger.error("accept failed; retrying", metadata: ["error": "\(String(cString: strerror(acceptError)))"])
                        usleep(100_000)
                        continue
                    default:
                        logger.critical("accept failed", metadata: ["error": "\(String(cString: strerror(acceptError)))"])
                        exit(71)
                    }
                }
                if context.socketIsTCP {
                    // Accepted TCP sockets inherit the listener's 1 s SO_RCVTIMEO (unix ones
                    // do not): clear it, or a slow request body would fail.
                    var noTimeout = timeval()
                    setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &noTimeout, socklen_t(MemoryLayout<timeval>.size))
                    var one: Int32 = 1
                    setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                }
                request.ipcFd = connection
                // FCGX_Accept_r starts by finishing the previous request, which would close
                // ipcFd unless the connection is marked kept; the begin record then sets
                // keepConnection from nginx's FCGI_KEEP_CONN flag.
                request.keepConnection = 1
            }
            scoreboard.setState(slot: slot, pid: pid, .reading)
            guard FCGX_Accept_r(&request) >= 0 else {
                // The peer closed or sent garbage; libfcgi closed the connection.
                scoreboard.setState(slot: slot, pid: pid, .idle)
                continue
            }
            withUnsafeMutablePointer(to: &request) { serve($0, service: service) }
            FCGX_Finish_r(&request)
            served += 1

            let reconnects = service.database.reconnects
            if reconnects > reconnectsSeen {
                scoreboard.add(.databaseReconnects, UInt64(reconnects - reconnectsSeen))
                reconnectsSeen = reconnects
            }
            // Peak RSS only grows, and slowly: sampling it every 16 requests is plenty.
            if served % 16 == 1 { peakRSS = Self.peakRSSKilobytes() }
            scoreboard.endRequest(slot: slot, peakRSSKilobytes: peakRSS)
            if context.maxRequests > 0, served >= context.maxRequests {
                recycled = true
                break
            }
        }
        scoreboard.setState(slot: slot, pid: pid, .exiting)
        if recycled {
            logger.info("worker recycling after max requests", metadata: ["requests": "\(served)", "max_requests": "\(context.maxRequests)"])
        }
        if request.ipcFd >= 0 { close(request.ipcFd) }
        service.database.disconnect()
        exit(0)
    }

    /// Reads, handles and writes one request, publishing each step in the scoreboard.
    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>, service: CatalogService) {
        let scoreboard = context.scoreboard
        let exchange = FastCGIExchange(request: request, maxBodyBytes: context.configuration.maxBodyBytes)
        guard let incoming = exchange.readRequest() else {
            scoreboard.setState(slot: context.slot, pid: getpid(), .writing)
            exchange.write(Problem(status: .badRequest, detail: "The request line could not be understood.").response, includeBody: true)
            return
        }
        scoreboard.beginHandling(slot: context.slot, method: incoming.method.rawValue, path: incoming.path, requestID: incoming.requestID)
        let response: Response
        if context.settings.testRoutes, let test = TestRoutes.respond(to: incoming, generation: context.generation) {
            response = test
        } else {
            response = service.respond(to: incoming)
        }
        scoreboard.setState(slot: context.slot, pid: getpid(), .writing)
        exchange.write(response, includeBody: incoming.method != .head)
    }

    /// Peak resident set size of this process (`ru_maxrss`, KiB on Linux).
    static func peakRSSKilobytes() -> UInt64 {
        var usage = rusage()
        guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return UInt64(max(usage.ru_maxrss, 0))
    }
}
