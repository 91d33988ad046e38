import CProcess
import Glibc

/// A worker's second thread: while the worker serves a long request, it passes the
/// worker's other kept connections that already hold a request to an idle worker.
///
/// nginx reuses its most recently released kept connection first and cannot see which
/// worker is busy, so after a stretch of one-at-a-time traffic most kept connections
/// belong to the worker that served it, and a burst arriving on them would queue behind
/// that worker while the others idle (measured: four simultaneous sign-ins ran one after
/// another on one worker). Without keep-alive every connection waits in the shared backlog
/// for the next idle worker; this restores that: a request waiting on a busy worker's
/// connection goes, connection and all, through the hand-off queue (`ConnectionHandoff`)
/// to an idle worker, which serves it at once (`ConnectionSet.adoptHandedOver`).
///
/// Started only once its worker holds more than one connection (`Worker`), which happens
/// only with kept-alive FastCGI (off by default: README "Kept-alive FastCGI" says why).
/// What it costs: per request, only an uncontended lock. The watcher looks every
/// `patienceMilliseconds` and acts only on a request it finds still in service then (a
/// read takes well under a millisecond), parks after a second of idleness (the worker's
/// thread wakes it when the next request begins), and passes a connection on only when the
/// scoreboard shows an idle worker to take it: under saturation nobody could, and the
/// request is served here next, as before. Measured on 2 cores (README "Kept-alive
/// FastCGI"): ~4-12 % of signed-in by-id reads' throughput, ~8-10 % of `/healthz`'s (the
/// cheapest request); an idle second thread alone costs ~5 % of that.
///
/// The worker's thread keeps every decision about the connection it serves, and libfcgi is
/// touched only on that thread (plus `FCGX_Free` of a connection passed on, under the
/// set's lock); the ownership rules are `ConnectionSet`'s. The thread blocks every signal,
/// so TERM still interrupts only the worker's wait (`WorkerSignals`).
final class BusyConnectionWatcher: @unchecked Sendable {
    /// How long a request must have been in service before its worker's other connections
    /// are looked at, and how often they are looked at again while it lasts. Longer than a
    /// read (well under 1 ms), far shorter than the requests that block others (a sign-in's
    /// scrypt, ~300 ms; a slow query): a request waiting behind a long one moves within one
    /// to two of these.
    static let patienceMilliseconds: Int32 = 5
    /// Parks after finding the worker idle this many times in a row (1 s): a quiet worker
    /// costs nothing, and a busy one is never woken per request (measured: waking the
    /// watcher whenever a request began after an idle look cost /healthz ~15 %).
    static let idleLooksBeforeParking = 200

    private let connections: ConnectionSet
    private let scoreboard: Scoreboard
    private let slot: Int

    init(connections: ConnectionSet, scoreboard: Scoreboard, slot: Int) {
        self.connections = connections
        self.scoreboard = scoreboard
        self.slot = slot
    }

    /// Starts the thread; false when it could not be made (the worker then serves as
    /// without it: correct, only without the protection).
    func start() -> Bool {
        var everything = sigset_t()
        var previous = sigset_t()
        sigfillset(&everything)
        // The new thread inherits the mask in force when it is created: all blocked.
        pthread_sigmask(SIG_SETMASK, &everything, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let watcher = Unmanaged<BusyConnectionWatcher>.fromOpaque(argument!).takeRetainedValue()
            _ = catalog_set_process_name("catalog-watch")  // PR_SET_NAME names the calling thread
            watcher.run()
            return nil
        }, retained)
        guard created == 0 else {
            Unmanaged<BusyConnectionWatcher>.fromOpaque(retained).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    private func run() {
        var idleLooks = 0
        while true {
            switch connections.activity(parkWhileIdle: idleLooks >= Self.idleLooksBeforeParking) {
            case .leaving:
                return
            case .idle:
                idleLooks += 1
                Self.sleep(milliseconds: Self.patienceMilliseconds)
            case .serving(let request):
                idleLooks = 0
                Self.sleep(milliseconds: Self.patienceMilliseconds)
                watch(during: request)
            }
        }
    }

    /// While `request` lasts: waits for a request on any of the worker's other
    /// connections, and passes each one on that an idle worker can take. Connections kept
    /// for want of an idle worker are not polled again (they stay readable) but offered
    /// again every `patienceMilliseconds`.
    private func watch(during request: UInt64) {
        var keptBack: [Int32] = []
        while let others = connections.otherConnections(during: request) {
            let waiting = keptBack.filter(others.contains)
                + ConnectionSet.readable(others.filter { !keptBack.contains($0) }, timeoutMilliseconds: Self.patienceMilliseconds)
            guard !waiting.isEmpty else {
                keptBack = []
                continue
            }
            let idle = scoreboard.idleWorkers(except: slot, limit: waiting.count)
            let passed = connections.handOff(Self.toPass(waiting: waiting, idleWorkers: idle), during: request)
            if !passed.isEmpty { scoreboard.add(.handoffsBusy, UInt64(passed.count)) }
            keptBack = waiting.filter { !passed.contains($0) }
        }
    }

    /// One waiting connection per idle worker: more would only queue behind the same
    /// workers, moving connections for nothing.
    static func toPass(waiting: [Int32], idleWorkers: Int) -> [Int32] {
        Array(waiting.prefix(max(0, idleWorkers)))
    }

    private static func sleep(milliseconds: Int32) {
        var remaining = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&remaining, &left) != 0, errno == EINTR { remaining = left }
    }
}
