import CFastCGI
import CProcess
import Glibc

/// The FastCGI connections one worker holds, and the wait for the next request on any of
/// them or for a new connection.
///
/// nginx keeps upstream connections open between requests (`fastcgi_keep_conn on` with
/// an upstream `keepalive` cache), which saves a connect, an accept and a close on both
/// sides of every request. libfcgi alone would block on the one connection it served
/// last, so every idle nginx connection would pin a worker of this blocking pool (measured:
/// p99 over 1 s). Instead a worker waits on the listening socket *and* every connection it
/// holds, and serves one request at a time from whichever is ready: a kept connection
/// costs an idle worker nothing, and no worker waits on a connection while another has a
/// request.
///
/// A leaving worker does not close the connections it holds but passes them to the workers
/// that stay (`ConnectionHandoff`), so a reload or a recycled worker loses no request.
///
/// Each connection has its own `FCGX_Request` (libfcgi's per-connection state), allocated
/// once so its address never moves (libfcgi's streams point back to it), with no listening
/// socket of its own: libfcgi can never accept behind the worker's back.
final class ConnectionSet {
    /// A connection and when its last request ended (monotonic milliseconds).
    private struct Held {
        let request: UnsafeMutablePointer<FCGX_Request>
        var idleSince: Int64
    }

    enum Event {
        /// A request (or the peer's close) is waiting on this connection.
        case request(UnsafeMutablePointer<FCGX_Request>)
        /// A new connection was accepted (or handed over by a leaving worker) and is now
        /// held; its next request may follow.
        case accepted
        case timeout
        /// A signal interrupted the wait.
        case interrupted
        /// The wait itself failed (errno).
        case failed(Int32)
    }

    /// At most this many connections per worker: a bound on descriptors, never reached with
    /// nginx's keepalive cache (a few per nginx process) and the request concurrency
    /// nginx's own connection limit allows.
    static let maximumHeld = 512

    private let listener: Int32
    private let listenerIsTCP: Bool
    private let handoff: ConnectionHandoff
    private let poller: Int32
    private var held: [Int32: Held] = [:]
    private(set) var listening = false

    init(listener: Int32, listenerIsTCP: Bool, handoff: ConnectionHandoff) {
        self.listener = listener
        self.listenerIsTCP = listenerIsTCP
        self.handoff = handoff
        poller = catalog_poller_create()
        if poller < 0 { fatalError("epoll_create1 failed: \(String(cString: strerror(errno)))") }
    }

    var isEmpty: Bool { held.isEmpty }
    var count: Int { held.count }

    /// Whether this worker takes new connections, accepted or handed over (it stops when
    /// it leaves, or at the bound).
    func setListening(_ on: Bool) {
        guard on != listening else { return }
        for fd in [listener, handoff.receiveEnd] {
            if on { _ = catalog_poller_add(poller, fd, 1) } else { _ = catalog_poller_remove(poller, fd) }
        }
        listening = on
    }

    /// Waits up to `timeoutMilliseconds` with `mask` as the signal mask during the wait.
    func next(timeoutMilliseconds: Int32, mask: inout sigset_t) -> Event {
        var fd: Int32 = -1
        let ready = catalog_poller_wait(poller, timeoutMilliseconds, &mask, &fd)
        if ready < 0 { return errno == EINTR ? .interrupted : .failed(errno) }
        if ready == 0 { return .timeout }
        if fd == listener { return accept() }
        if fd == handoff.receiveEnd { return adoptHandedOver() }
        guard let connection = held[fd] else {
            _ = catalog_poller_remove(poller, fd)  // cannot happen: closed descriptors leave epoll
            return .timeout
        }
        return .request(connection.request)
    }

    /// The listening socket is non-blocking: with several workers woken (EPOLLEXCLUSIVE
    /// wakes at least one), the ones that lose the race get EAGAIN and wait again.
    private func accept() -> Event {
        let fd = Glibc.accept(listener, nil, nil)
        if fd < 0 {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO: return .timeout
            default: return .failed(errno)
            }
        }
        if listenerIsTCP {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Served at once, as the blocking accept loop did: nginx sends the request right
        // after connecting. Waiting again instead could accept more connections from the
        // backlog before serving this one, taking requests another idle worker would have
        // served at once (and losing all of them if this worker is killed or stops).
        _ = hold(fd)
        guard let connection = held[fd] else { return .timeout }
        return .request(connection.request)
    }

    /// A connection a leaving worker passed on (several workers may wake for one; the others
    /// find nothing and wait again).
    private func adoptHandedOver() -> Event {
        guard let fd = handoff.receive() else { return .timeout }
        return hold(fd)
    }

    private func hold(_ fd: Int32) -> Event {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        _ = FCGX_InitRequest(request, -1, 0)
        request.pointee.ipcFd = fd
        // FCGX_Accept_r starts by finishing the previous request, which would close ipcFd
        // unless the connection is marked kept; the begin record then sets keepConnection
        // from nginx's FCGI_KEEP_CONN flag.
        request.pointee.keepConnection = 1
        held[fd] = Held(request: request, idleSince: Self.now())
        _ = catalog_poller_add(poller, fd, 0)
        if held.count >= Self.maximumHeld { setListening(false) }
        return .accepted
    }

    /// After a request on `request`'s connection ended (`FCGX_Finish_r` ran): forgets the
    /// connection if libfcgi closed it (nginx did not ask to keep it, or it failed).
    func finished(_ request: UnsafeMutablePointer<FCGX_Request>, descriptor: Int32) {
        if request.pointee.ipcFd < 0 {
            forget(descriptor)
        } else {
            held[descriptor]?.idleSince = Self.now()
        }
    }

    /// The worker is leaving between requests: every connection it holds goes to the
    /// workers that stay (or is closed, if the hand-off queue is full), and what libfcgi
    /// allocated is freed. No request is half read: nginx sends the next request on a
    /// connection only after the previous response, and `FCGX_Finish_r` consumed that one.
    /// Returns how many were handed over.
    @discardableResult
    func handOverAll() -> Int {
        setListening(false)
        var handedOver = 0
        for fd in Array(held.keys) {
            if handoff.send(fd) { handedOver += 1 }
            _ = close(fd)  // the queued copy keeps the connection open
            held[fd]?.request.pointee.ipcFd = -1
            forget(fd)
        }
        close(poller)
        return handedOver
    }

    private func forget(_ fd: Int32) {
        guard let connection = held.removeValue(forKey: fd) else { return }
        FCGX_Free(connection.request, 0)
        connection.request.deinitialize(count: 1)
        connection.request.deallocate()
    }

    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
