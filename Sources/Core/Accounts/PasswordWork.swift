#if canImport(Glibc)
import Glibc
#endif

/// Every password hash and verification the service performs, admitted and deprioritised.
///
/// Routes never call `PasswordHasher` directly: they go through this, which
/// 1. claims one of the pool's hashing slots (`PasswordWorkAdmission`) or throws a `503`
///    with `Retry-After` at once, so password work never queues in front of reads; and
/// 2. runs the hash on a short-lived thread whose nice value is raised by
///    `niceIncrement` (Linux applies `setpriority` to a single thread), so under load the
///    scheduler gives reads on the same cores precedence, as PHP-FPM's
///    `process.priority` does for a whole pool. The worker waits for that thread: the
///    request is still served by one worker, one request at a time.
///
/// The scrypt parameters stay OWASP's (`PasswordHasher.Parameters.owasp`): the defence
/// against floods is admission, priority and the rate limits in front, not weaker hashes.
public struct PasswordWork: Sendable {
    public let hasher: PasswordHasher
    public let admission: any PasswordWorkAdmission
    /// How much nicer (0–19) the hashing thread runs than the worker; 0 runs it inline.
    public let niceIncrement: Int32

    /// What a refused request is told to wait, in seconds: about the time one hash takes
    /// when the machine is busy.
    public static let retryAfterSeconds = 1

    public init(hasher: PasswordHasher = PasswordHasher(), admission: any PasswordWorkAdmission, niceIncrement: Int32) {
        self.hasher = hasher
        self.admission = admission
        self.niceIncrement = niceIncrement
    }

    /// A new stored hash of `password`.
    public func hash(_ password: String) throws(APIError) -> String {
        let hasher = hasher
        return try admitted { hasher.hash(password) }
    }

    /// Checks `password` against a stored hash.
    public func verify(_ password: String, against encoded: String) throws(APIError) -> PasswordHasher.Verification {
        let hasher = hasher
        return try admitted { hasher.verify(password, against: encoded) }
    }

    /// Spends the time of a real verification (an unknown email), under the same admission.
    public func dummyVerify(_ password: String) throws(APIError) {
        let hasher = hasher
        try admitted { hasher.dummyVerify(password) }
    }

    private func admitted<T>(_ work: () -> T) throws(APIError) -> T {
        guard admission.tryClaim() else {
            throw .serviceUnavailable(
                "Too many passwords are being checked right now; retry in a moment.",
                retryAfter: Self.retryAfterSeconds)
        }
        defer { admission.release() }
        return LowPriorityThread.run(niceIncrement: niceIncrement, work)
    }
}

/// Runs a closure to completion on a new thread with a raised nice value, and waits.
///
/// A process cannot lower its own nice value again without privilege, so the worker
/// itself keeps its priority and only the thread doing the expensive work is made nicer.
/// The worker never forks (the master does), so a thread here is safe.
enum LowPriorityThread {
    private final class Job {
        let nice: Int32
        let body: () -> Void
        init(nice: Int32, body: @escaping () -> Void) {
            self.nice = nice
            self.body = body
        }
    }

    static func run<T>(niceIncrement: Int32, _ work: () -> T) -> T {
        guard niceIncrement > 0 else { return work() }
        // setpriority takes an absolute value: the worker's own (e.g. systemd's Nice=) plus
        // the increment. (getpriority's -1 is also a valid value; errno is not needed here.)
        let target = min(19, getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) + niceIncrement)
        var result: T?
        withoutActuallyEscaping(work) { work in
            let job = Job(nice: target) { result = work() }
            let retained = Unmanaged.passRetained(job).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { argument in
                let job = Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue()
                // On Linux the nice value belongs to a thread, and PRIO_PROCESS with `who` 0
                // means the calling thread: the worker's own thread keeps its priority.
                // Failure (e.g. a seccomp filter) leaves the normal priority: still correct,
                // just less polite, so it is not an error.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, job.nice)
                job.body()
                return nil
            }, retained)
            if created == 0 {
                pthread_join(thread, nil)
            } else {
                Unmanaged<Job>.fromOpaque(retained).release()
                result = work()
            }
        }
        return result!
    }
}
