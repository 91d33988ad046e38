import Foundation

/// A value shared between a test and the helper threads it starts (concurrent
/// migrations, concurrent writers): every access holds the lock.
///
/// A class rather than `Synchronization.Mutex`, which is non-copyable and so cannot be
/// captured by the escaping closures a `Thread` runs.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withValue<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
