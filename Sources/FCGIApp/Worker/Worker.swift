import CFastCGI
import CProcess
import Core
import Foundation
import Logging
import ProcessPool

/// Everything a freshly forked worker needs, handed over by the master.
struct WorkerContext {
    let socket: Int32
    let socketIsTCP: Bool
    /// Where a leaving worker passes its connections, and the others take them.
    let handoff: ConnectionHandoff
    let scoreboard: Scoreboard
    let slot: Int
    let generation: UInt32
    let masterPID: pid_t
    let configuration: ServiceConfiguration
    let settings: PoolSettings
    /// `--max-requests` plus this worker's jitter; 0 = no limit.
    let maxRequests: Int
}

/// One worker process: waits for a request on any connection it holds (or a new
/// connection), serves it, repeats.
///
/// Everything stateful is created here, after `fork()`: the service (route table,
/// OpenAPI document) and its database connection, which opens on the first request that
/// needs it. One request at a time, synchronously, as in PHP-FPM. The worker publishes
/// its state in its scoreboard slot at every step (idle → reading → handling → writing →
/// idle), which is what the master's timeout, `catalog status` and `/metrics` read.
///
/// It accepts connections itself and keeps those nginx keeps alive (`ConnectionSet`),
/// handing each request's connection to libfcgi, instead of letting `FCGX_Accept_r`
/// accept: the wait (`epoll_pwait`) is the only place where TERM is unblocked, so a stop
/// interrupts only the wait, never drops a request that has arrived (see `WorkerSignals`).
/// A leaving worker finishes the request it is serving and hands the connections it holds
/// to the workers that stay (`ConnectionHandoff`); a busy one passes those a request waits
/// on to idle workers (`BusyConnectionWatcher`, its only other thread besides a password
/// hash's).
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

        let connections = ConnectionSet(listener: context.socket, listenerIsTCP: context.socketIsTCP, handoff: context.handoff)
        connections.setListening(true)
        scoreboard.setState(slot: slot, pid: pid, .idle)  // ready: the master counts it in the pool
        // The thread that passes on connections a request waits on while this worker serves
        // a long one (`BusyConnectionWatcher`; after WorkerSignals.install: it blocks every
        // signal), started the first time the worker holds more than one connection, which
        // only kept-alive FastCGI brings: an idle second thread cost ~5 % of /healthz
        // (measured; why was not profiled: glibc's single-thread fast paths are a guess),
        // which a pool without keep-alive never needs to pay.
        var watching = false

        var served = 0
        var reconnectsSeen = 0
        var recycled = false
        var peakRSS: UInt64 = 0
        serving: while WorkerSignals.stopRequested == 0, !recycled {
            // TERM/INT are unblocked only during this wait (see WorkerSignals), so a stop
            // interrupts the wait and never a request.
            let event = connections.next(timeoutMilliseconds: 1000, mask: &WorkerSignals.waitMask)
            if WorkerSignals.stopPending() { WorkerSignals.stopRequested = 1 }
            let request: UnsafeMutablePointer<FCGX_Request>
            switch event {
            case .request(let ready):
                request = ready
            case .accepted, .interrupted:
                continue
            case .timeout:
                scoreboard.heartbeat(slot: slot)
                if getppid() != context.masterPID { break serving }  // orphaned (PDEATHSIG is the first line of defence)
                continue
            case .failed(let error):
                if error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM {
                    logger.error("accept failed; retrying", metadata: ["error": "\(String(cString: strerror(error)))"])
                    usleep(100_000)
                    continue
                }
                logger.critical("waiting for requests failed", metadata: ["error": "\(String(cString: strerror(error)))"])
                exit(71)
            }

            let descriptor = request.pointee.ipcFd
            scoreboard.setState(slot: slot, pid: pid, .reading)
            guard FCGX_Accept_r(request) >= 0 else {
                // The peer closed (nginx dropping an idle kept connection) or sent garbage;
                // libfcgi closed the connection.
                connections.finished(request, descriptor: descriptor)
                scoreboard.setState(slot: slot, pid: pid, .idle)
                continue
            }
            if !watching, connections.holdsSeveral {
                watching = true
                if !BusyConnectionWatcher(connections: connections, scoreboard: scoreboard, slot: slot).start() {
                    logger.warning("could not start the busy-connection watcher; requests nginx sends to this worker's kept connections wait for it")
                }
            }
            serve(request, pid: pid, service: service)
            Self.finish(request)
            connections.finished(request, descriptor: descriptor)
            served += 1

            let reconnects = service.database.reconnects
            if reconnects > reconnectsSeen {
                scoreboard.add(.databaseReconnects, UInt64(reconnects - reconnectsSeen))
                reconnectsSeen = reconnects
            }
            // Peak RSS only grows, and slowly: sampling it every 16 requests is plenty.
            if served % 16 == 1 { peakRSS = Self.peakRSSKilobytes() }
            scoreboard.endRequest(slot: slot, peakRSSKilobytes: peakRSS)
            if context.maxRequests > 0, served >= context.maxRequests { recycled = true }
        }
        scoreboard.setState(slot: slot, pid: pid, .exiting)
        // Leaving (TERM, --max-requests, orphaned) between requests: the connections this
        // worker holds go to the workers that stay (see ConnectionHandoff).
        scoreboard.add(.handoffsLeaving, UInt64(connections.handOverAll()))
        if recycled {
            logger.info("worker recycling after max requests", metadata: ["requests": "\(served)", "max_requests": "\(context.maxRequests)"])
        }
        service.database.disconnect()
        exit(0)
    }

    /// Ends the request as `FCGX_Finish_r` does (the answer's last bytes, the end of stdout
    /// and the end of the request in one write; libfcgi's streams freed), then reads what
    /// is left of the request's input and decides the close itself.
    ///
    /// Unread input: `FCGX_Finish_r` leaves unread stdin records in the connection. On a
    /// kept connection the next `FCGX_Accept_r` would take them for the start of the next
    /// request and drop the connection, and nginx would answer 502 to the POST it had just
    /// sent on it. A response given without reading the body (401 before the body, 413 by
    /// declared length, a parse that stops at a limit) leaves at most
    /// `client_max_body_size` behind, which nginx has already buffered and sends at memory
    /// speed; a GET leaves only the empty end-of-stdin record, usually already in libfcgi's
    /// buffer (no read). nginx always ends the input; a peer on the socket that never did
    /// would hold the worker here as one that never sends its declared body holds it in the
    /// read: until the pool's request timeout (`--timeout`) kills it, the slot still busy.
    ///
    /// The close: libfcgi closes every connection nginx does not keep with a lingering
    /// close (`shutdown`, then `poll` and `read` until nginx closes its end), which guards
    /// against a reset that would discard the answer when unread input is still in the
    /// socket. Once the input has been read to its end, nothing is left to reset for, and
    /// nginx sends nothing more on a connection it does not keep, so the worker closes at
    /// once. The lingering close's `poll` usually slept until nginx had read the answer and
    /// closed, and nginx's close then woke the worker again: measured over signed-in by-id
    /// reads, closing at once (with `ConnectionSet` no longer watching unkept connections)
    /// took the worker's voluntary context switches per request from ~1.45 to ~0.57 and
    /// its CPU per read from ~155 to ~125 µs (README "Benchmark"; the same section has its
    /// one measured cost: a wider spread of `/healthz` latencies at saturation, p99 ~4.5 →
    /// ~7 ms). A connection whose input is not at its end (a failed read or write) keeps
    /// libfcgi's lingering close.
    static func finish(_ request: UnsafeMutablePointer<FCGX_Request>) {
        guard let input = request.pointee.in else {
            FCGX_Finish_r(request)
            return
        }
        // The order FCGX_Finish_r uses: stderr's end (nothing when it was never written),
        // then stdout's end and the end of the request, flushed together.
        var failed = FCGX_FClose(request.pointee.err) != 0
        failed = FCGX_FClose(request.pointee.out) != 0 || failed
        if !failed {
            // On the stack: this runs after every request.
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16_384) { bytes in
                while FCGX_GetStr(bytes.baseAddress, Int32(bytes.count), input) > 0 {}
            }
        }
        guard !failed, FCGX_GetError(input) == 0, input.pointee.isClosed != 0 else {
            FCGX_Free(request, 1)  // libfcgi's lingering close
            return
        }
        if request.pointee.keepConnection != 0 {
            FCGX_Free(request, 0)  // kept: the connection waits for nginx's next request
            return
        }
        let descriptor = request.pointee.ipcFd
        FCGX_Free(request, 0)
        request.pointee.ipcFd = -1
        _ = close(descriptor)
    }

    /// Reads, handles and writes one request, publishing each step in the scoreboard.
    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>, pid: pid_t, service: CatalogService) {
        let scoreboard = context.scoreboard
        let exchange = FastCGIExchange(request: request, maxBodyBytes: context.configuration.maxBodyBytes)
        guard let incoming = exchange.readRequest() else {
            scoreboard.setState(slot: context.slot, pid: pid, .writing)
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
        scoreboard.setState(slot: context.slot, pid: pid, .writing)
        exchange.write(response, includeBody: incoming.method != .head)
    }

    /// Peak resident set size of this process (`ru_maxrss`, KiB on Linux).
    static func peakRSSKilobytes() -> UInt64 {
        var usage = rusage()
        guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return UInt64(max(usage.ru_maxrss, 0))
    }
}
