import Foundation

/// Supervision: what the master reads in every worker's scoreboard slot, and when it
/// kills a worker (not ready in time, request timeout, silent heartbeat, grace expired).
extension Arbiter {
    /// Reads every worker's slot: readiness, request timeout, heartbeat, retirement deadline.
    func superviseSlots() {
        let now = Self.now()
        let nowMilliseconds = Scoreboard.monotonicMilliseconds()
        for (pid, record) in records where record.killed == nil {
            guard let slot = scoreboard.slot(record.slot) else { continue }
            if !record.ready {
                if slot.state != .starting, slot.pid == pid {
                    records[pid]!.ready = true
                    nextStatusAt = 0
                    if startFailures > 0 {
                        logger.info("a worker started again; back-off cleared", metadata: ["worker_pid": "\(pid)", "after_failures": "\(startFailures)"])
                    }
                    startFailures = 0
                    nextSpawnAt = 0
                } else if now - record.startedAt > options.readyTimeout {
                    logger.error("worker did not become ready in time; killing it", metadata: [
                        "worker_pid": "\(pid)", "ready_timeout_s": "\(options.readyTimeout)",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .notReady
                }
                continue
            }
            if slot.state.isBusy, slot.requestStartedMilliseconds > 0 {
                let elapsed = Double(nowMilliseconds - slot.requestStartedMilliseconds) / 1000
                if elapsed > settings.timeout {
                    logger.error("worker timed out; killing it", metadata: [
                        "worker_pid": "\(pid)", "generation": "\(record.generation)", "state": "\(slot.state)",
                        "method": "\(slot.method.isEmpty ? "-" : slot.method)", "path": "\(slot.path.isEmpty ? "-" : slot.path)",
                        "request_id": "\(slot.requestID.isEmpty ? "-" : slot.requestID)",
                        "seconds": "\(String(format: "%.1f", elapsed))", "timeout_s": "\(settings.timeout)",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .timeout
                    scoreboard.add(.workersTimedOut)
                    continue
                }
            } else if slot.state == .idle {
                let silent = Double(nowMilliseconds - slot.heartbeatMilliseconds) / 1000
                if silent > max(settings.timeout, 10) {
                    logger.error("worker stopped sending heartbeats; killing it", metadata: [
                        "worker_pid": "\(pid)", "silent_s": "\(String(format: "%.1f", silent))",
                    ])
                    kill(pid, SIGKILL)
                    records[pid]!.killed = .heartbeat
                    scoreboard.add(.workersCrashed)
                    continue
                }
            }
            if record.retiring, let deadline = record.retireDeadline, now > deadline {
                logger.warning("retiring worker did not finish within the graceful timeout; killing it", metadata: [
                    "worker_pid": "\(pid)", "state": "\(slot.state)", "method": "\(slot.method)", "path": "\(slot.path)",
                    "request_id": "\(slot.requestID)", "graceful_timeout_s": "\(settings.gracefulTimeout)",
                ])
                kill(pid, SIGKILL)
                records[pid]!.killed = .graceExpired
                scoreboard.add(.workersRetired)
            }
        }
    }
}
