/// The process manager's settings: what the pool's decisions depend on. Resolved from
/// the command line and the environment by `catalog serve` (`PoolSettings+Resolve` in
/// FCGIApp) and re-resolved on every `HUP`.
public struct PoolSettings: Equatable, Sendable {
    /// Worker processes of the current generation.
    public var workers: Int
    /// Seconds in-flight requests get on TERM, and old workers get on reload, before KILL.
    public var gracefulTimeout: Double
    /// Seconds one request may take before its worker is killed and replaced.
    public var timeout: Double
    /// Requests after which a worker exits (between requests) and is replaced; 0 = never.
    public var maxRequests: Int
    /// A random 0...jitter is added to `maxRequests` per worker, so they do not all recycle at once.
    public var maxRequestsJitter: Int
    /// Consecutive workers that die before becoming ready after which the master gives up.
    public var maxStartFailures: Int
    /// `CATALOG_ENABLE_TEST_ROUTES=1`: the `/__test/*` routes of the fault tests. Never in production.
    public var testRoutes: Bool

    public init(workers: Int, gracefulTimeout: Double, timeout: Double, maxRequests: Int, maxRequestsJitter: Int,
                maxStartFailures: Int, testRoutes: Bool) {
        self.workers = workers
        self.gracefulTimeout = gracefulTimeout
        self.timeout = timeout
        self.maxRequests = maxRequests
        self.maxRequestsJitter = maxRequestsJitter
        self.maxStartFailures = maxStartFailures
        self.testRoutes = testRoutes
    }
}
