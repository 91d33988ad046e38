import CFastCGI
import CProcess
import Foundation
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
/// nginx cannot see which worker is busy, so it may send a request on a connection whose
/// worker is serving another. While the worker's thread serves a request, its
/// `BusyConnectionWatcher` may pass such a connection to an idle worker (`handOff`); this
/// set is what the two threads share, under `state`. Ownership stays simple: the
/// connection being served (`serving`) is never passed on, a held connection between
/// requests has nothing buffered in libfcgi (`Worker.finish` freed its streams, and nginx
/// sends the next request only after the whole previous response), so whatever nginx sent
/// waits in the socket for whoever owns it next.
///
/// A leaving worker does not close the connections it holds but passes them to the workers
/// that stay (`ConnectionHandoff`), so a reload or a recycled worker loses no request.
///
/// Each connection has its own `FCGX_Request` (libfcgi's per-connection state), allocated
/// once so its address never moves (libfcgi's streams point back to it), with no listening
/// socket of its own: libfcgi can never accept behind the worker's back.
final class ConnectionSet: @unchecked Sendable {
    enum Event {
        /// A request (or the peer's close) is waiting on this connection, which is now the
        /// one being served until `finished`.
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
    /// Whether the worker takes new connections (the worker's thread only).
    private(set) var listening = false

    /// Guards everything below, which the worker's thread and its busy watcher share, and
    /// parks the watcher while the worker is between requests.
    private let state = NSCondition()
    private var held: [Int32: UnsafeMutablePointer<FCGX_Request>] = [:]
    /// The held connections in the wait (`poller`). A connection joins it only once it is
    /// kept past a request (or arrives without one): a connection nginx does not keep (the
    /// default) is accepted, served and closed without ever joining, which saves an
    /// `epoll_ctl` and the wait's clean-up at its close on every request.
    private var watched = Set<Int32>()
    /// The connection whose request the worker's thread is serving; nil between requests.
    private var serving: Int32?
    /// Requests begun, so the watcher tells one long request from several short ones.
    private var sequence: UInt64 = 0
    private var watcherParked = false
    /// Set when the worker leaves: the watcher stops.
    private var closed = false

    init(listener: Int32, listenerIsTCP: Bool, handoff: ConnectionHandoff) {
        self.listener = listener
        self.listenerIsTCP = listenerIsTCP
        self.handoff = handoff
        poller = catalog_poller_create()
        if poller < 0 { fatalError("epoll_create1 failed: \(String(cString: strerror(errno)))") }
    }

    /// Whether the worker holds more than one connection: only then can a request wait on
    /// one while another is served (nginx keeps FastCGI connections open only with
    /// `fastcgi_keep_conn on`; otherwise libfcgi closes each after its response).
    var holdsSeveral: Bool {
        state.lock()
        defer { state.unlock() }
        return held.count > 1
    }

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
        state.lock()
        defer { state.unlock() }
        // Cannot miss: the watcher passes connections on only while a request is served, and
        // takes each out of the wait before it lets go of the lock.
        guard let request = held[fd] else {
            _ = catalog_poller_remove(poller, fd)
            watched.remove(fd)
            return .timeout
        }
        beginServing(fd)
        return .request(request)
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
        state.lock()
        defer { state.unlock() }
        let request = hold(fd)
        beginServing(fd)
        return .request(request)
    }

    /// A connection another worker passed on (several workers may wake for one; the others
    /// find nothing and wait again). One that already holds a request (a busy worker passed
    /// it on for that reason) is served at once, like an accepted one: waiting again could
    /// adopt the next passed-on connection before serving this one, queueing requests here
    /// that other idle workers would have taken.
    private func adoptHandedOver() -> Event {
        guard let fd = handoff.receive() else { return .timeout }
        let waiting = Self.readable([fd], timeoutMilliseconds: 0) == [fd]
        state.lock()
        defer { state.unlock() }
        let request = hold(fd)
        guard waiting else {
            watch(fd)
            return .accepted
        }
        beginServing(fd)
        return .request(request)
    }

    /// Called with `state` locked.
    private func hold(_ fd: Int32) -> UnsafeMutablePointer<FCGX_Request> {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        _ = FCGX_InitRequest(request, -1, 0)
        request.pointee.ipcFd = fd
        // FCGX_Accept_r starts by finishing the previous request, which would close ipcFd
        // unless the connection is marked kept; the begin record then sets keepConnection
        // from nginx's FCGI_KEEP_CONN flag.
        request.pointee.keepConnection = 1
        held[fd] = request
        if held.count >= Self.maximumHeld { setListening(false) }
        return request
    }

    /// Called with `state` locked: puts a held connection in the wait, once.
    private func watch(_ fd: Int32) {
        guard watched.insert(fd).inserted else { return }
        _ = catalog_poller_add(poller, fd, 0)
    }

    /// Called with `state` locked: from here until `finished`, `fd` is the worker thread's.
    private func beginServing(_ fd: Int32) {
        serving = fd
        sequence &+= 1
        if watcherParked { state.signal() }
    }

    /// After a request on `request`'s connection ended (`Worker.finish` ran): forgets the
    /// connection if it was closed (nginx did not ask to keep it, or it failed), else puts
    /// it in the wait for its next request.
    func finished(_ request: UnsafeMutablePointer<FCGX_Request>, descriptor: Int32) {
        state.lock()
        defer { state.unlock() }
        serving = nil
        if request.pointee.ipcFd < 0 { forget(descriptor) } else { watch(descriptor) }
    }

    /// The worker is leaving between requests: every connection it holds goes to the
    /// workers that stay (or is closed, if the hand-off queue is full), and what libfcgi
    /// allocated is freed. No request is half read: nginx sends the next request on a
    /// connection only after the previous response, and `Worker.finish` consumed that one.
    /// Returns how many were handed over.
    func handOverAll() -> Int {
        setListening(false)
        state.lock()
        defer { state.unlock() }
        closed = true
        state.signal()  // a parked watcher stops
        var handedOver = 0
        for fd in Array(held.keys) {
            if handoff.send(fd) { handedOver += 1 }
            _ = close(fd)  // the queued copy keeps the connection open
            held[fd]?.pointee.ipcFd = -1
            forget(fd)
        }
        close(poller)
        return handedOver
    }

    /// Called with `state` locked.
    private func forget(_ fd: Int32) {
        watched.remove(fd)
        guard let request = held.removeValue(forKey: fd) else { return }
        FCGX_Free(request, 0)
        request.deinitialize(count: 1)
        request.deallocate()
    }

    /// Which of `descriptors` are readable (a request, or the peer's close, is waiting),
    /// waiting up to `timeoutMilliseconds` for one; an empty list just waits.
    static func readable(_ descriptors: [Int32], timeoutMilliseconds: Int32) -> [Int32] {
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&polled, nfds_t(polled.count), timeoutMilliseconds)
        guard ready > 0 else { return [] }
        let mask = Int16(POLLIN | POLLHUP | POLLERR)
        return polled.filter { $0.revents & mask != 0 }.map(\.fd)
    }
}

// MARK: - The busy watcher's side (its own thread)

extension ConnectionSet {
    enum Activity {
        /// Serving the request with this number.
        case serving(UInt64)
        case idle
        case leaving
    }

    /// What the worker's thread is doing. With `parkWhileIdle`, an idle worker is waited
    /// out: its thread wakes the watcher when the next request begins (one wake-up per
    /// quiet spell, never one per request).
    func activity(parkWhileIdle: Bool) -> Activity {
        state.lock()
        defer { state.unlock() }
        while parkWhileIdle, !closed, serving == nil {
            watcherParked = true
            state.wait()
            watcherParked = false
        }
        if closed { return .leaving }
        return serving == nil ? .idle : .serving(sequence)
    }

    /// The connections held besides the one serving `request`; nil once that request has
    /// ended (or the worker is leaving).
    func otherConnections(during request: UInt64) -> [Int32]? {
        state.lock()
        defer { state.unlock() }
        guard !closed, let current = serving, sequence == request else { return nil }
        return held.keys.filter { $0 != current }
    }

    /// Passes `descriptors` (connections a request waits on) to the hand-off queue, for an
    /// idle worker to serve, if the worker's thread is still serving `request` on another
    /// connection. Each goes out of this worker's wait and set before the lock is released,
    /// so it has exactly one owner at every moment: this worker until the send, the queue
    /// (then the worker that takes it) after. Returns those passed on; a full queue keeps
    /// the rest here, served after the current request as before.
    func handOff(_ descriptors: [Int32], during request: UInt64) -> [Int32] {
        state.lock()
        defer { state.unlock() }
        guard !closed, let current = serving, sequence == request else { return [] }
        var passed: [Int32] = []
        for fd in descriptors where fd != current && held[fd] != nil {
            guard handoff.send(fd) else { break }
            // Out of the wait first: the queued copy keeps the connection (and so its epoll
            // registration) alive after this descriptor is closed.
            if watched.contains(fd) { _ = catalog_poller_remove(poller, fd) }
            held[fd]?.pointee.ipcFd = -1
            forget(fd)
            _ = close(fd)
            passed.append(fd)
        }
        return passed
    }
}
