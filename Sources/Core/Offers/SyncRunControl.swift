import Foundation

/// The run's brakes, shared by all lanes: a circuit breaker, a deadline and a stop switch.
///
/// Without them a dead or slow service would make one run take `products × timeout`
/// (hours at 10,000 products) and the timer's runs would pile up behind the lock. With
/// them a run stops starting new products once the service has failed
/// `maxConsecutiveFailures` times in a row, once its deadline has passed, or once
/// something fatal happened (database gone, refresh token rejected); the products it did
/// not reach are reported and come first next run. A lock-protected class rather than an
/// actor: lanes consult it synchronously and often.
final class SyncRunControl: @unchecked Sendable {
    private let lock = NSLock()
    private let maxConsecutiveFailures: Int
    private let deadline: Date
    private let now: @Sendable () -> Date
    private var consecutiveFailures = 0
    private var reason: String?
    private var loggedFailures = 0

    init(maxConsecutiveFailures: Int, deadline: Date, now: @escaping @Sendable () -> Date) {
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.deadline = deadline
        self.now = now
    }

    func recordSuccess() {
        lock.withLock { consecutiveFailures = 0 }
    }

    func recordServiceFailure() {
        lock.withLock {
            consecutiveFailures += 1
            if consecutiveFailures >= maxConsecutiveFailures, reason == nil {
                reason = "the offers service failed \(consecutiveFailures) times in a row"
            }
        }
    }

    func stop(_ why: String) {
        lock.withLock { if reason == nil { reason = why } }
    }

    /// Why no new product should be started, or `nil` to go on.
    var stopReason: String? {
        lock.withLock {
            if reason == nil, now() >= deadline { reason = "the run's deadline (OFFERS_SYNC_DEADLINE_SECONDS) passed" }
            return reason
        }
    }

    /// Per-product failures are logged one line each up to a limit, so a dead service
    /// does not write 10,000 lines; the summary counts them all.
    func shouldLogFailure() -> Bool {
        lock.withLock {
            loggedFailures += 1
            return loggedFailures <= 20
        }
    }
}
