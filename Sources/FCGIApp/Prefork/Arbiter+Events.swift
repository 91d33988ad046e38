import Foundation
import ProcessPool

/// Gathering events: signals, exited workers (`waitpid`), and what the workers' scoreboard
/// slots say, turned into the state machine's inputs.
extension Arbiter {
    /// One signal taken by `sigtimedwait`. (SIGCHLD only wakes the loop: `reap` follows.)
    func handle(_ signal: Int32) {
        switch signal {
        case SIGTERM, SIGINT:
            send(.stopRequested(graceful: true, signal: SignalName.of(signal), now: Self.now()))
        case SIGQUIT:
            send(.stopRequested(graceful: false, signal: SignalName.of(signal), now: Self.now()))
        case SIGHUP:
            send(.reloadRequested(now: Self.now()))
        case SIGTTIN:
            send(.growRequested)
        case SIGTTOU:
            send(.shrinkRequested(slots: observeSlots(), now: Self.now()))
        default:
            break
        }
    }

    /// Collects every exited worker. Its slot is read as it left it, then released (and
    /// the password slots it died holding, mid-hash), before the machine judges the exit.
    func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let worker = machine.workers[pid] else { continue }
            let last = scoreboard.slot(worker.slot)
            scoreboard.release(slot: worker.slot)
            let heldPasswordSlots = scoreboard.releasePasswordSlots(of: pid)
            send(.workerExited(pid: pid, status: WaitStatus(status), last: last.map(Self.observation),
                               passwordSlotsReleased: heldPasswordSlots, now: Self.now()))
        }
    }

    /// Every worker's scoreboard slot, by pid (a slot that cannot be read is left out).
    func observeSlots() -> [Int32: SlotObservation] {
        var slots: [Int32: SlotObservation] = [:]
        for worker in machine.workers.values {
            if let slot = scoreboard.slot(worker.slot) { slots[worker.pid] = Self.observation(slot) }
        }
        return slots
    }

    static func observation(_ slot: Scoreboard.Slot) -> SlotObservation {
        let phase: SlotObservation.Phase = switch slot.state {
        case .starting: .starting
        case .idle: .idle
        case let state where state.isBusy: .busy
        default: .other
        }
        return SlotObservation(
            pid: slot.pid, phase: phase, state: slot.state.description, requests: slot.requests,
            requestStartedMilliseconds: slot.requestStartedMilliseconds, heartbeatMilliseconds: slot.heartbeatMilliseconds,
            method: slot.method, path: slot.path, requestID: slot.requestID)
    }
}
