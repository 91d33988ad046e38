import Foundation
import Glibc

/// Supervision: what the master's look at every worker's scoreboard slot decides —
/// readiness (which clears the back-off), and when a worker is killed (not ready in
/// time, request timeout, silent heartbeat, retirement past its grace).
extension PoolStateMachine {
    mutating func supervise(slots: [Int32: SlotObservation], now: Double, nowMilliseconds: Int64) -> [Action] {
        var actions: [Action] = []
        for pid in workers.keys.sorted() {
            guard let worker = workers[pid], worker.killed == nil, let slot = slots[pid] else { continue }
            if !worker.ready {
                if slot.phase != .starting, slot.pid == pid {
                    workers[pid]!.ready = true
                    actions.append(.refreshStatus)
                    if startFailures > 0 {
                        actions.append(.log(.info, "a worker started again; back-off cleared", ["worker_pid": "\(pid)", "after_failures": "\(startFailures)"]))
                    }
                    startFailures = 0
                    nextSpawnAt = 0
                } else if now - worker.startedAt > readyTimeout {
                    actions += [
                        .log(.error, "worker did not become ready in time; killing it", [
                            "worker_pid": "\(pid)", "ready_timeout_s": "\(readyTimeout)",
                        ]),
                        .signal(pid: pid, signal: SIGKILL),
                    ]
                    workers[pid]!.killed = .notReady
                }
                continue
            }
            if slot.phase == .busy, slot.requestStartedMilliseconds > 0 {
                let elapsed = Double(nowMilliseconds - slot.requestStartedMilliseconds) / 1000
                if elapsed > settings.timeout {
                    actions += [
                        .log(.error, "worker timed out; killing it", [
                            "worker_pid": "\(pid)", "generation": "\(worker.generation)", "state": "\(slot.state)",
                            "method": "\(slot.method.isEmpty ? "-" : slot.method)", "path": "\(slot.path.isEmpty ? "-" : slot.path)",
                            "request_id": "\(slot.requestID.isEmpty ? "-" : slot.requestID)",
                            "seconds": "\(String(format: "%.1f", elapsed))", "timeout_s": "\(settings.timeout)",
                        ]),
                        .signal(pid: pid, signal: SIGKILL),
                        .count(.workersTimedOut),
                    ]
                    workers[pid]!.killed = .timeout
                    continue
                }
            } else if slot.phase == .idle {
                let silent = Double(nowMilliseconds - slot.heartbeatMilliseconds) / 1000
                if silent > max(settings.timeout, 10) {
                    actions += [
                        .log(.error, "worker stopped sending heartbeats; killing it", [
                            "worker_pid": "\(pid)", "silent_s": "\(String(format: "%.1f", silent))",
                        ]),
                        .signal(pid: pid, signal: SIGKILL),
                        .count(.workersCrashed),
                    ]
                    workers[pid]!.killed = .heartbeat
                    continue
                }
            }
            if worker.retiring, let deadline = worker.retireDeadline, now > deadline {
                actions += [
                    .log(.warning, "retiring worker did not finish within the graceful timeout; killing it", [
                        "worker_pid": "\(pid)", "state": "\(slot.state)", "method": "\(slot.method)", "path": "\(slot.path)",
                        "request_id": "\(slot.requestID)", "graceful_timeout_s": "\(settings.gracefulTimeout)",
                    ]),
                    .signal(pid: pid, signal: SIGKILL),
                    .count(.workersRetired),
                ]
                workers[pid]!.killed = .graceExpired
            }
        }
        return actions
    }
}
