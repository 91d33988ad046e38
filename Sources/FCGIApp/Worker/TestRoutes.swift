import Core
import Foundation

/// Routes for the fault tests only, answered by the worker before Core sees the request.
///
/// They exist only when the master runs with `CATALOG_ENABLE_TEST_ROUTES=1` (the fault
/// test stack sets it; production never does). They live here, in the hosting process,
/// not in Core, so they are never part of the route table or the OpenAPI document.
///
/// - `GET /__test/sleep?seconds=N` holds the worker N seconds (max 600), then answers 200:
///   a handler stuck past `--timeout`, or a long in-flight request during a stop.
/// - `GET /__test/worker` answers the worker's pid and generation.
enum TestRoutes {
    static func respond(to request: Request, generation: UInt32) -> Response? {
        guard request.path.hasPrefix("/__test/"), request.method == .get else { return nil }
        switch request.path {
        case "/__test/sleep":
            let seconds = min(max(Double(request.query["seconds"] ?? "1") ?? 1, 0), 600)
            var remaining = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
            var left = timespec()
            while nanosleep(&remaining, &left) != 0, errno == EINTR { remaining = left }
            var response = Response.json(["slept": .number(String(seconds)), "pid": .number(String(getpid()))])
            response.headers[.xRequestID] = request.requestID
            return response
        case "/__test/worker":
            var response = Response.json(["pid": .number(String(getpid())), "generation": .number(String(generation))])
            response.headers[.xRequestID] = request.requestID
            return response
        default:
            return nil
        }
    }
}
