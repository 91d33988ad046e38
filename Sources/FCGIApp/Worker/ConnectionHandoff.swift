import CProcess
import Glibc

/// How a leaving worker passes the FastCGI connections it holds to the workers that stay.
///
/// With kept-alive connections a worker that stops (reload, `--max-requests`, TTOU)
/// still holds connections nginx considers its own and may be sending a request on that
/// very instant. Closing one then loses that request unless nginx can retry it, and nginx
/// retries a GET, never a POST (measured: 8 reloads under a POST load lost 29 POSTs).
/// Waiting for nginx to close them takes as long as nginx keeps using them. So the leaving
/// worker sends each descriptor (SCM_RIGHTS) over a datagram socket pair the master made
/// before forking, and a worker that stays receives it and serves it as its own: the
/// connection never closes, and a request already waiting on it is read by the new owner.
///
/// Every worker holds both ends; a serving worker waits on the receiving end (exclusively,
/// as on the listening socket), a leaving one only sends. Descriptors still queued when
/// the master exits (a full stop, nobody left to receive) are closed by the kernel with
/// the socket pair.
struct ConnectionHandoff: Sendable {
    let sendEnd: Int32
    let receiveEnd: Int32

    /// Made once by the master, before the first fork; lives as long as it does.
    static func open() -> ConnectionHandoff? {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &ends) == 0 else { return nil }
        for end in ends {
            let flags = fcntl(end, F_GETFL, 0)
            _ = fcntl(end, F_SETFL, flags | O_NONBLOCK)
        }
        return ConnectionHandoff(sendEnd: ends[0], receiveEnd: ends[1])
    }

    /// Passes `fd` on; false when it could not be queued (the caller then closes it).
    func send(_ fd: Int32) -> Bool {
        catalog_send_descriptor(sendEnd, fd) == 0
    }

    /// A connection another worker passed on, if one is waiting.
    func receive() -> Int32? {
        let fd = catalog_receive_descriptor(receiveEnd)
        return fd >= 0 ? fd : nil
    }
}
