/// What the process that runs the service wants to know about each request, and how it
/// renders `/metrics`.
///
/// Core knows nothing of processes: the FastCGI worker supplies an implementation that
/// records into the pool's shared-memory scoreboard, so `/metrics` can aggregate every
/// worker's counters however many processes serve. Without one, `/metrics` reports
/// only that the service is up.
public protocol ServiceInstrumentation: AnyObject {
    /// Called once per request, after its response is built. `method` is already a
    /// bounded label (`MethodLabel`) and `route` a route template or `-`, so a client
    /// cannot create new label values.
    func requestFinished(method: String, route: String, status: Int, seconds: Double)
    /// The Prometheus text exposition (version 0.0.4) for `GET /metrics`.
    func metricsExposition() -> String
    /// Counts an event that is not a request (a requirement, so the host's own
    /// implementation is the one called; the default ignores it).
    func record(_ event: ServiceEvent)
}

/// Things worth counting that are not requests, for `/metrics`.
public enum ServiceEvent: Sendable {
    /// A sign-in refused by the per-account throttle (`LoginThrottle`).
    case loginThrottled
}

extension ServiceInstrumentation {
    /// Counts an event; hosts that keep no counters ignore it.
    public func record(_ event: ServiceEvent) {}
}
