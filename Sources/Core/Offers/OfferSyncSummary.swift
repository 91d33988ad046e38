/// What one sync run did, and the one line it prints.
///
/// `registered` counts products registered by this run (201 or 409); `refreshed`,
/// `unchanged` and `failed` partition the products the run worked on (a product can be
/// registered and then fail to get its offers). Products the run never reached (service
/// down, deadline, authentication failure) count as failed, with the reason.
public struct OfferSyncSummary: Sendable, Equatable {
    public var registered = 0
    public var refreshed = 0
    public var unchanged = 0
    public var failed = 0
    /// Products deleted while the run was working on them (not a failure).
    public var vanished = 0
    public var seconds: Double = 0
    /// Failed products by reason, e.g. `"timed out after 10 s": 12`.
    public var failureReasons: [String: Int] = [:]
    /// Why the run could not work at all, if so.
    public var fatalError: OfferSyncError?
    /// Why the run stopped starting new products early, if it did.
    public var stopReason: String?
    /// Another run held the lock: this one did nothing, successfully.
    public var skippedBecauseLocked = false

    public init() {}

    /// Exit status for systemd: 0 when everything was synced (or another run was already
    /// at it), 1 when anything failed, so the unit is marked failed and shows in
    /// `systemctl --failed` and monitoring.
    public var exitCode: Int32 {
        skippedBecauseLocked || (fatalError == nil && failed == 0) ? 0 : 1
    }

    mutating func fail(_ reason: String, count: Int = 1) {
        guard count > 0 else { return }
        failed += count
        failureReasons[reason, default: 0] += count
    }

    /// `sync-offers: registered=1 refreshed=5 unchanged=40 failed=0 seconds=0.84`, with
    /// `status=failed` and a quoted `reasons="…"` when something failed.
    public var line: String {
        if skippedBecauseLocked {
            return "sync-offers: skipped: another sync-offers run holds the lock (nothing done) seconds=\(Self.format(seconds))"
        }
        var line = "sync-offers: registered=\(registered) refreshed=\(refreshed) unchanged=\(unchanged) failed=\(failed) seconds=\(Self.format(seconds))"
        if vanished > 0 { line += " deleted_meanwhile=\(vanished)" }
        guard exitCode != 0 else { return line }
        var reasons: [String] = []
        if let fatalError { reasons.append(fatalError.description) }
        let ordered = failureReasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        reasons += ordered.map { "\($0.value) \($0.key)" }
        if let stopReason { reasons.append("stopped early: \(stopReason)") }
        line += " status=failed reasons=\"" + reasons.joined(separator: "; ").replacingOccurrences(of: "\"", with: "'") + "\""
        return line
    }

    static func format(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
