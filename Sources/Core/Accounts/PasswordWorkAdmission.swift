import Foundation

/// Admission to password hashing, shared by every worker of the pool.
///
/// A scrypt hash costs ~0.3 s of CPU. Without a bound, a few clients posting wrong
/// passwords keep every worker in a hash and reads queue behind them. With one, at most
/// `slots` hashes run at once across the whole pool, and a request that cannot claim a
/// slot at once is answered `503` with `Retry-After` instead of waiting in front of reads.
///
/// The FastCGI worker supplies an implementation backed by the pool's shared-memory
/// scoreboard (so the bound is pool-wide and a killed worker's claim is released by the
/// master); `LocalPasswordWorkAdmission` bounds one process, for the command-line tools
/// and in-process use.
public protocol PasswordWorkAdmission: AnyObject, Sendable {
    /// The pool-wide number of hashes that may run at once.
    var slots: Int { get }
    /// Claims a slot without waiting; `false` when every slot is taken (counted as refused).
    func tryClaim() -> Bool
    /// Gives back a slot claimed by `tryClaim`.
    func release()
}

/// Admission within one process: a counter under a lock.
public final class LocalPasswordWorkAdmission: PasswordWorkAdmission, @unchecked Sendable {
    public let slots: Int
    private let lock = NSLock()
    private var inUse = 0
    /// Claims refused since this admission was made.
    public private(set) var refused = 0

    public init(slots: Int) {
        precondition(slots > 0, "password work needs at least one slot")
        self.slots = slots
    }

    public func tryClaim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard inUse < slots else {
            refused += 1
            return false
        }
        inUse += 1
        return true
    }

    public func release() {
        lock.lock()
        inUse = max(0, inUse - 1)
        lock.unlock()
    }
}
