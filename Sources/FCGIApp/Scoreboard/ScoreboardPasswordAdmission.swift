import Core
import Glibc

/// `PasswordWorkAdmission` across the whole pool, through the scoreboard's password slots.
///
/// A claim is the worker's pid written into a free slot with a compare-and-swap, so the
/// bound holds across processes without a lock; if the worker is killed mid-hash, the
/// master frees its slot when it reaps it (`Arbiter.reap`). Refusals and admissions are
/// counted for `/metrics` and `catalog status`.
final class ScoreboardPasswordAdmission: PasswordWorkAdmission, @unchecked Sendable {
    private let scoreboard: Scoreboard
    let slots: Int
    /// The slot this worker holds (a worker serves one request at a time, so at most one).
    private var held: Int?

    init(scoreboard: Scoreboard, slots: Int) {
        self.scoreboard = scoreboard
        self.slots = slots
    }

    func tryClaim() -> Bool {
        guard let index = scoreboard.claimPasswordSlot(pid: getpid(), limit: slots) else {
            scoreboard.add(.passwordRefused)
            return false
        }
        held = index
        scoreboard.add(.passwordClaims)
        return true
    }

    func release() {
        guard let index = held else { return }
        scoreboard.releasePasswordSlot(index, pid: getpid())
        held = nil
    }
}
