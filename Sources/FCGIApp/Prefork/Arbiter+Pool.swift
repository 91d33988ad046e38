import CProcess
import Foundation
import Logging

/// The pool: forking workers up to the configured size (with back-off after start
/// failures), retiring surplus ones, and reaping the ones that exited.
extension Arbiter {
    func currentWorkers() -> [WorkerRecord] {
        records.values.filter { $0.generation == generation && !$0.retiring }
    }

    /// Forks workers of the current generation until the pool has its size. After a start
    /// failure only one worker is started at a time, after an exponential back-off, until
    /// one becomes ready.
    func maintainPool() {
        guard !stopping else { return }
        let current = currentWorkers()
        var missing = settings.workers - current.count
        guard missing > 0, Self.now() >= nextSpawnAt else { return }
        if startFailures > 0 {
            guard !current.contains(where: { !$0.ready }) else { return }  // a probe is still starting
            missing = 1
        }
        for _ in 0..<missing {
            guard spawn() else { return }
        }
        nextStatusAt = 0
    }

    func spawn() -> Bool {
        guard let slot = freeSlots.popLast() else {
            logger.error("no free scoreboard slot; cannot start a worker", metadata: ["slots": "\(Scoreboard.slotCount)"])
            nextSpawnAt = Self.now() + 1
            return false
        }
        scoreboard.prepare(slot: slot, generation: generation)
        let maxRequests = settings.maxRequests > 0 ? settings.maxRequests + Int.random(in: 0...settings.maxRequestsJitter) : 0
        let context = WorkerContext(
            socket: socket.descriptor, socketIsTCP: socket.address.isTCP, handoff: socket.handoff, scoreboard: scoreboard, slot: slot,
            generation: generation, masterPID: getpid(), configuration: configuration, settings: settings,
            maxRequests: maxRequests)
        fflush(nil)  // or buffered output would be written twice, once by each process
        let pid = fork()
        if pid < 0 {
            logger.error("fork failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
            scoreboard.release(slot: slot)
            freeSlots.append(slot)
            nextSpawnAt = Self.now() + 1
            return false
        }
        if pid == 0 {
            // The child: die with the master (and leave if it already died), then serve.
            _ = catalog_set_parent_death_signal(SIGTERM)
            if getppid() != context.masterPID { _exit(0) }
            worker(context)
        }
        records[pid] = WorkerRecord(pid: pid, slot: slot, generation: generation, startedAt: Self.now(), maxRequests: maxRequests)
        scoreboard.add(.workersStarted)
        logger.info("worker started", metadata: ["worker_pid": "\(pid)", "generation": "\(generation)", "slot": "\(slot)"])
        return true
    }

    /// TTOU: TERM current workers beyond the pool size, idle ones first, newest first.
    func retireSurplus() {
        var current = currentWorkers()
        guard current.count > settings.workers else { return }
        let idle = Set(current.compactMap { record in scoreboard.slot(record.slot).flatMap { $0.state == .idle ? record.pid : nil } })
        current.sort { (idle.contains($0.pid) ? 0 : 1, -$0.startedAt) < (idle.contains($1.pid) ? 0 : 1, -$1.startedAt) }
        for record in current.prefix(current.count - settings.workers) {
            retire(record.pid, reason: "pool size decreased")
        }
    }

    func retire(_ pid: pid_t, reason: String) {
        guard var record = records[pid], !record.retiring else { return }
        record.retiring = true
        record.retireDeadline = Self.now() + settings.gracefulTimeout
        records[pid] = record
        kill(pid, SIGTERM)
        logger.info("retiring worker", metadata: ["worker_pid": "\(pid)", "generation": "\(record.generation)", "reason": "\(reason)"])
    }

    /// Collects every exited worker: frees its slot, logs why it ended, and counts start
    /// failures (a worker that died before marking itself ready) for the back-off.
    func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let record = records.removeValue(forKey: pid) else { continue }
            let last = scoreboard.slot(record.slot)
            scoreboard.release(slot: record.slot)
            freeSlots.append(record.slot)
            let heldPasswordSlots = scoreboard.releasePasswordSlots(of: pid)  // died mid-hash
            nextStatusAt = 0
            let outcome = WaitStatus(status)
            let lived = Self.now() - record.startedAt
            var metadata: Logger.Metadata = [
                "worker_pid": "\(pid)", "generation": "\(record.generation)", "status": "\(outcome)",
                "uptime_s": "\(String(format: "%.1f", lived))", "requests": "\(last?.requests ?? 0)",
            ]
            if heldPasswordSlots > 0 { metadata["password_slots_released"] = "\(heldPasswordSlots)" }
            if let last, last.state.isBusy {
                metadata["method"] = "\(last.method)"
                metadata["path"] = "\(last.path)"
                metadata["request_id"] = "\(last.requestID)"
            }
            if let reason = record.killed {
                switch reason {
                case .notReady:
                    countStartFailure(outcome: "killed: not ready within \(options.readyTimeout)s", metadata: metadata)
                case .timeout, .heartbeat, .graceExpired:
                    logger.info("killed worker reaped", metadata: metadata)
                }
            } else if !record.ready, last.map({ $0.state == .starting || $0.pid != pid }) ?? true {
                // Died before marking itself ready. (A worker that became ready and exited
                // before the master's next look, e.g. recycled after a few fast requests,
                // has left its slot past `starting` and is judged below.)
                if stopping || record.retiring {
                    logger.info("worker exited before it was ready", metadata: metadata)
                } else {
                    countStartFailure(outcome: outcome.description, metadata: metadata)
                }
            } else if record.retiring || stopping {
                if !outcome.isFailure {
                    scoreboard.add(.workersRetired)
                    logger.info("worker retired", metadata: metadata)
                } else {
                    scoreboard.add(.workersCrashed)
                    logger.error("worker died while retiring", metadata: metadata)
                }
            } else if !outcome.isFailure {
                if record.maxRequests > 0, (last?.requests ?? 0) >= UInt64(record.maxRequests) {
                    scoreboard.add(.workersRecycled)
                    logger.info("worker recycled after max requests; replacing it", metadata: metadata)
                } else {
                    logger.info("worker exited; replacing it", metadata: metadata)
                }
            } else {
                scoreboard.add(.workersCrashed)
                logger.error("worker died; replacing it", metadata: metadata)
            }
        }
    }

    func countStartFailure(outcome: String, metadata: Logger.Metadata) {
        startFailures += 1
        lastStartFailure = outcome
        scoreboard.add(.startFailures)
        let delay = min(0.1 * pow(2, Double(startFailures - 1)), 5)
        nextSpawnAt = Self.now() + delay
        var metadata = metadata
        metadata["consecutive_failures"] = "\(startFailures)"
        metadata["retry_in_s"] = "\(String(format: "%.1f", delay))"
        logger.error("worker failed to start", metadata: metadata)
    }
}
