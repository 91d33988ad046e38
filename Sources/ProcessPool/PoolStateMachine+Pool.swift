import Foundation
import Glibc
import Logging

/// The pool: forking workers up to the configured size (with back-off after start
/// failures), growing and shrinking it (TTIN/TTOU), retiring workers, and judging why a
/// reaped worker ended.
extension PoolStateMachine {
    /// Starts the next worker the current generation lacks, if it may start now. After a
    /// start failure only one worker is started at a time, after an exponential back-off,
    /// until one becomes ready.
    mutating func maintainPool(now: Double) -> [Action] {
        guard stop == nil else { return [] }
        let current = currentWorkers
        guard current.count < settings.workers, now >= nextSpawnAt else { return [] }
        if startFailures > 0, current.contains(where: { !$0.ready }) { return [] }  // a probe is still starting
        guard let slot = freeSlots.popLast() else {
            nextSpawnAt = now + 1
            return [.log(.error, "no free scoreboard slot; cannot start a worker", ["slots": "\(slotCount)"])]
        }
        let maxRequests = settings.maxRequests > 0 ? settings.maxRequests + Int.random(in: 0...settings.maxRequestsJitter, using: &random) : 0
        return [.spawn(Spawn(slot: slot, generation: generation, maxRequests: maxRequests))]
    }

    mutating func spawned(_ spawn: Spawn, pid: Int32, now: Double) -> [Action] {
        workers[pid] = Worker(pid: pid, slot: spawn.slot, generation: spawn.generation, startedAt: now, maxRequests: spawn.maxRequests)
        return [
            .count(.workersStarted),
            .log(.info, "worker started", ["worker_pid": "\(pid)", "generation": "\(spawn.generation)", "slot": "\(spawn.slot)"]),
            .refreshStatus,
        ] + maintainPool(now: now)
    }

    mutating func spawnFailed(_ spawn: Spawn, error: String, now: Double) -> [Action] {
        freeSlots.append(spawn.slot)
        nextSpawnAt = now + 1
        return [.log(.error, "fork failed", ["error": "\(error)"])]
    }

    /// TTIN: one worker more.
    mutating func grow() -> [Action] {
        guard stop == nil, settings.workers < 256 else { return [] }
        settings.workers += 1
        return [.log(.info, "pool size increased (TTIN)", ["workers": "\(settings.workers)"]), .publishGauges, .refreshStatus]
    }

    /// TTOU: one worker fewer; the surplus is retired, idle ones first, newest first.
    mutating func shrink(slots: [Int32: SlotObservation], now: Double) -> [Action] {
        guard stop == nil else { return [] }
        guard settings.workers > 1 else { return [.log(.warning, "TTOU ignored: the pool keeps at least one worker", [:])] }
        settings.workers -= 1
        var actions: [Action] = [.log(.info, "pool size decreased (TTOU)", ["workers": "\(settings.workers)"])]
        var current = currentWorkers
        if current.count > settings.workers {
            let idle = Set(current.compactMap { slots[$0.pid]?.phase == .idle ? $0.pid : nil })
            current.sort { (idle.contains($0.pid) ? 0 : 1, -$0.startedAt) < (idle.contains($1.pid) ? 0 : 1, -$1.startedAt) }
            for worker in current.prefix(current.count - settings.workers) {
                actions += retire(worker.pid, reason: "pool size decreased", now: now)
            }
        }
        return actions + [.publishGauges, .refreshStatus]
    }

    /// TERM to one worker: it finishes its request and leaves; KILL if it is not gone
    /// within the graceful timeout (see `supervise`).
    mutating func retire(_ pid: Int32, reason: String, now: Double) -> [Action] {
        guard var worker = workers[pid], !worker.retiring else { return [] }
        worker.retiring = true
        worker.retireDeadline = now + settings.gracefulTimeout
        workers[pid] = worker
        return [
            .signal(pid: pid, signal: SIGTERM),
            .log(.info, "retiring worker", ["worker_pid": "\(pid)", "generation": "\(worker.generation)", "reason": "\(reason)"]),
        ]
    }

    /// A reaped worker: frees its slot, says why it ended, and counts start failures (a
    /// worker that died before marking itself ready) for the back-off.
    mutating func workerExited(pid: Int32, status: WaitStatus, last: SlotObservation?, passwordSlotsReleased: Int, now: Double) -> [Action] {
        guard let worker = workers.removeValue(forKey: pid) else { return [] }
        freeSlots.append(worker.slot)
        var actions: [Action] = [.refreshStatus]
        var metadata: Logger.Metadata = [
            "worker_pid": "\(pid)", "generation": "\(worker.generation)", "status": "\(status)",
            "uptime_s": "\(String(format: "%.1f", now - worker.startedAt))", "requests": "\(last?.requests ?? 0)",
        ]
        if passwordSlotsReleased > 0 { metadata["password_slots_released"] = "\(passwordSlotsReleased)" }
        if let last, last.phase == .busy {
            metadata["method"] = "\(last.method)"
            metadata["path"] = "\(last.path)"
            metadata["request_id"] = "\(last.requestID)"
        }
        let stopping = stop != nil
        if let reason = worker.killed {
            switch reason {
            case .notReady:
                actions += countStartFailure(outcome: "killed: not ready within \(readyTimeout)s", metadata: metadata, now: now)
            case .timeout, .heartbeat, .graceExpired:
                actions.append(.log(.info, "killed worker reaped", metadata))
            }
        } else if !worker.ready, last.map({ $0.phase == .starting || $0.pid != pid }) ?? true {
            // Died before marking itself ready. (A worker that became ready and exited
            // before the master's next look, e.g. recycled after a few fast requests,
            // has left its slot past `starting` and is judged below.)
            if stopping || worker.retiring {
                actions.append(.log(.info, "worker exited before it was ready", metadata))
            } else {
                actions += countStartFailure(outcome: status.description, metadata: metadata, now: now)
            }
        } else if worker.retiring || stopping {
            if !status.isFailure {
                actions += [.count(.workersRetired), .log(.info, "worker retired", metadata)]
            } else {
                actions += [.count(.workersCrashed), .log(.error, "worker died while retiring", metadata)]
            }
        } else if !status.isFailure {
            if worker.maxRequests > 0, (last?.requests ?? 0) >= UInt64(worker.maxRequests) {
                actions += [.count(.workersRecycled), .log(.info, "worker recycled after max requests; replacing it", metadata)]
            } else {
                actions.append(.log(.info, "worker exited; replacing it", metadata))
            }
        } else {
            actions += [.count(.workersCrashed), .log(.error, "worker died; replacing it", metadata)]
        }
        return actions
    }

    /// Back-off: 0.1 s after the first failure, doubling, at most 5 s.
    mutating func countStartFailure(outcome: String, metadata: Logger.Metadata, now: Double) -> [Action] {
        startFailures += 1
        lastStartFailure = outcome
        let delay = min(0.1 * pow(2, Double(startFailures - 1)), 5)
        nextSpawnAt = now + delay
        var metadata = metadata
        metadata["consecutive_failures"] = "\(startFailures)"
        metadata["retry_in_s"] = "\(String(format: "%.1f", delay))"
        return [.count(.startFailures), .log(.error, "worker failed to start", metadata)]
    }
}
