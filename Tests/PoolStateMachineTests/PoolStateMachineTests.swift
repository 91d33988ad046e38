import Glibc
import Logging
import ProcessPool
import Testing

/// Every decision of the master, without a process: the harness plays the Arbiter.
@Suite struct PoolStateMachineTests {
    // MARK: - starting the pool

    @Test func theFirstTurnForksTheWholePoolAndReadinessWaitsForEveryWorker() {
        var pool = PoolHarness(poolSettings(workers: 3))
        let started = pool.maintain()
        #expect(started.spawns.map(\.slot) == [0, 1, 2])
        #expect(started.spawns.allSatisfy { $0.generation == 1 && $0.maxRequests == 0 })
        #expect(started.counts == [.workersStarted, .workersStarted, .workersStarted])
        #expect(started.spawnedPIDs == [101, 102, 103])
        #expect(pool.maintain().isEmpty, "a full pool forks nothing more")
        #expect(pool.machine.stateName == "starting")

        pool.becomeReady([101, 102])
        #expect(!pool.tick().contains(.notify(.ready(status: "serving with 3 workers, generation 1"))), "one worker is still starting")
        pool.becomeReady([103])
        let ready = pool.tick()
        #expect(ready.messages == ["pool ready"])
        #expect(ready.notifications == [.ready(status: "serving with 3 workers, generation 1")])
        #expect(pool.machine.stateName == "running")
        #expect(pool.tick().notifications.isEmpty, "readiness is announced once")
    }

    @Test func theLoopWaitsBrieflyWhileThingsChangeAndHalfASecondWhenSteady() {
        var pool = PoolHarness()
        #expect(pool.machine.waitInterval(now: pool.now) == 0.05)
        pool.startPool()
        #expect(pool.machine.waitInterval(now: pool.now) == 0.5)
    }

    @Test func duringABackOffTheWaitEndsWhenTheNextForkIsDue() {
        var pool = PoolHarness(poolSettings(workers: 2))
        pool.startPool()
        pool.exit(102, .signaled(signal: SIGKILL))
        let replacement = pool.maintain().spawnedPIDs
        pool.exit(replacement[0], .exited(code: 1))  // the replacement fails to start
        #expect(abs(pool.machine.waitInterval(now: pool.now) - 0.1) < 1e-9)
        #expect(pool.machine.waitInterval(now: pool.now + 0.095) == 0.01, "but never shorter than 10 ms")
    }

    @Test func withoutAFreeScoreboardSlotNoWorkerIsForkedForASecond() {
        var pool = PoolHarness(poolSettings(workers: 3), slotCount: 2)
        let actions = pool.maintain()
        #expect(actions.spawns.count == 2)
        #expect(actions.level("no free scoreboard slot; cannot start a worker") == .error)
        #expect(actions.metadata("no free scoreboard slot; cannot start a worker")?["slots"] == "2")
        #expect(pool.machine.nextSpawnAt == pool.now + 1)
    }

    @Test func aFailedForkIsRetriedAfterASecondWithTheSlotBack() {
        var pool = PoolHarness(poolSettings(workers: 2))
        pool.failForks = true
        let failed = pool.maintain()
        #expect(failed.spawns.count == 1, "the first failure ends the turn's forking")
        #expect(failed.metadata("fork failed")?["error"] == "Resource temporarily unavailable")
        pool.failForks = false
        #expect(pool.maintain().isEmpty)
        pool.now += 1
        #expect(pool.maintain().spawns.map(\.slot) == [0, 1], "the slot of the failed fork is used again")
    }

    // MARK: - replacing workers

    @Test func aCrashedWorkerIsCountedLoggedWithItsRequestAndReplaced() {
        var pool = PoolHarness(poolSettings(workers: 2))
        pool.startPool()
        pool.startRequest(101, method: "POST", path: "/products", requestID: "abc")
        pool.now += 2.25
        let died = pool.exit(101, .signaled(signal: SIGSEGV), passwordSlots: 1)
        #expect(died.counts == [.workersCrashed])
        #expect(died.level("worker died; replacing it") == .error)
        let metadata = died.metadata("worker died; replacing it")
        #expect(metadata?["status"] == "signal 11 (SEGV)")
        #expect(metadata?["uptime_s"] == "2.2" || metadata?["uptime_s"] == "2.3")
        #expect(metadata?["method"] == "POST" && metadata?["path"] == "/products" && metadata?["request_id"] == "abc")
        #expect(metadata?["password_slots_released"] == "1")
        let replaced = pool.maintain()
        #expect(replaced.spawns == [Machine.Spawn(slot: 0, generation: 1, maxRequests: 0)], "its slot is reused")
        #expect(pool.machine.startFailures == 0, "a worker that had been ready is not a start failure")
    }

    @Test func aCleanExitBelowTheRequestLimitIsReplacedWithoutCountingACrash() {
        var pool = PoolHarness(poolSettings(workers: 1))
        pool.startPool()
        let exited = pool.exit(101, .exited(code: 0), requests: 3)
        #expect(exited.messages == ["worker exited; replacing it"])
        #expect(exited.counts.isEmpty)
        #expect(exited.metadata("worker exited; replacing it")?["method"] == nil, "an idle worker had no request")
    }

    @Test func aWorkerAtItsRequestLimitIsRecycled() {
        var pool = PoolHarness(poolSettings(workers: 1, maxRequests: 100))
        #expect(pool.maintain().spawns.first?.maxRequests == 100)
        pool.becomeReady([101])
        pool.tick()
        let recycled = pool.exit(101, .exited(code: 0), requests: 100)
        #expect(recycled.counts == [.workersRecycled])
        #expect(recycled.messages == ["worker recycled after max requests; replacing it"])
        #expect(pool.maintain().spawns.count == 1)
    }

    @Test func aWorkerThatServedItsLimitBeforeTheMastersFirstLookIsRecycledNotAStartFailure() {
        var pool = PoolHarness(poolSettings(workers: 1, maxRequests: 2))
        pool.maintain()
        pool.becomeReady([101])  // ready, served two requests and left between two turns
        let recycled = pool.exit(101, .exited(code: 0), requests: 2)
        #expect(recycled.counts == [.workersRecycled])
        #expect(pool.machine.startFailures == 0)
    }

    @Test func theRequestLimitJitterSpreadsWorkersAndIsDeterminedByTheSeed() {
        func limits(seed: UInt64) -> [Int] {
            var pool = PoolHarness(poolSettings(workers: 8, maxRequests: 1000, maxRequestsJitter: 50), seed: seed)
            return pool.maintain().spawns.map(\.maxRequests)
        }
        let first = limits(seed: 1)
        #expect(first.allSatisfy { (1000...1050).contains($0) })
        #expect(Set(first).count > 1, "the workers do not all recycle at once: \(first)")
        #expect(first == limits(seed: 1))
    }

    // MARK: - start failures and back-off

    @Test func startFailuresBackOffExponentiallyOneProbeAtATimeUpToFiveSeconds() {
        var pool = PoolHarness(poolSettings(workers: 3, maxStartFailures: 100))
        pool.maintain()
        let first = pool.exit(101, .exited(code: 1))
        #expect(first.counts == [.startFailures])
        #expect(first.metadata("worker failed to start")?["retry_in_s"] == "0.1")
        #expect(first.metadata("worker failed to start")?["consecutive_failures"] == "1")
        #expect(pool.machine.nextSpawnAt == pool.now + 0.1)
        #expect(pool.machine.waitInterval(now: pool.now) == 0.05)
        // The other two are still starting: no probe while one of them may yet fail.
        pool.exit(102, .exited(code: 1))
        pool.exit(103, .exited(code: 1))
        #expect(pool.machine.startFailures == 3)
        #expect(pool.machine.nextSpawnAt == pool.now + 0.4)
        #expect(pool.maintain().isEmpty, "nothing is forked during the back-off")

        var delays: [String] = []
        for _ in 0..<6 {
            pool.now = pool.machine.nextSpawnAt
            let probe = pool.maintain()
            #expect(probe.spawns.count == 1, "one probe at a time, though the pool lacks three")
            #expect(pool.maintain().isEmpty, "no second worker while the probe starts")
            let pid = probe.spawnedPIDs[0]
            delays.append(pool.exit(pid, .signaled(signal: SIGABRT)).metadata("worker failed to start")?["retry_in_s"].map { "\($0)" } ?? "?")
        }
        #expect(delays == ["0.8", "1.6", "3.2", "5.0", "5.0", "5.0"])
    }

    @Test func aProbeThatBecomesReadyClearsTheBackOffAndTheRestStartAtOnce() {
        var pool = PoolHarness(poolSettings(workers: 3))
        pool.maintain()
        for pid: Int32 in [101, 102, 103] { pool.exit(pid, .exited(code: 1)) }
        pool.now = pool.machine.nextSpawnAt
        let probe = pool.maintain().spawnedPIDs
        pool.becomeReady(probe)
        let cleared = pool.tick()
        #expect(cleared.messages == ["a worker started again; back-off cleared"])
        #expect(cleared.metadata("a worker started again; back-off cleared")?["after_failures"] == "3")
        #expect(pool.machine.startFailures == 0 && pool.machine.nextSpawnAt == 0)
        #expect(pool.maintain().spawns.count == 2)
    }

    @Test func aWorkerNotReadyInTimeIsKilledAndCountsAsAStartFailure() {
        var pool = PoolHarness(poolSettings(workers: 1), readyTimeout: 30)
        pool.maintain()
        pool.now += 30
        #expect(pool.tick().signals.isEmpty, "not before the ready timeout")
        pool.now += 0.5
        let killed = pool.tick()
        #expect(killed.signaled(SIGKILL) == [101])
        #expect(killed.messages == ["worker did not become ready in time; killing it"])
        #expect(pool.tick().signals.isEmpty, "killed once")
        let reaped = pool.exit(101, .signaled(signal: SIGKILL))
        #expect(reaped.counts == [.startFailures])
        #expect(pool.machine.startFailures == 1)
    }

    @Test func theMasterGivesUpAfterTooManyStartFailuresInARow() {
        var pool = PoolHarness(poolSettings(workers: 2, maxStartFailures: 3))
        pool.maintain()
        pool.exit(101, .exited(code: 78))
        pool.exit(102, .exited(code: 78))
        pool.now = pool.machine.nextSpawnAt
        let probe = pool.maintain().spawnedPIDs
        pool.exit(probe[0], .exited(code: 78))
        let gaveUp = pool.tick()
        #expect(gaveUp.level("workers keep failing to start; giving up instead of fork-looping") == .critical)
        #expect(gaveUp.metadata("workers keep failing to start; giving up instead of fork-looping")?["last_status"] == "exit status 78")
        #expect(gaveUp.contains(.printError("catalog serve: 3 workers in a row failed to start (last: exit status 78); giving up")))
        #expect(gaveUp.notifications == [.givingUp, .stopping])
        #expect(pool.machine.isStopping)
        #expect(pool.tick().last == .exit(code: 70), "no worker is left, so the master exits 70 at once")
    }

    // MARK: - supervision

    @Test func aRequestOverTheTimeoutKillsItsWorkerOnceAndTheKillIsNotACrash() {
        var pool = PoolHarness(poolSettings(workers: 2, timeout: 5))
        pool.startPool()
        pool.startRequest(102, method: "GET", path: "/__test/sleep", requestID: "slow-1")
        pool.now += 5
        pool.becomeReady([101])
        #expect(pool.tick().signals.isEmpty, "at the timeout, not yet")
        pool.now += 0.2
        pool.becomeReady([101])
        let killed = pool.tick()
        #expect(killed.signaled(SIGKILL) == [102])
        #expect(killed.counts == [.workersTimedOut])
        let line = killed.metadata("worker timed out; killing it")
        #expect(line?["method"] == "GET" && line?["path"] == "/__test/sleep" && line?["request_id"] == "slow-1")
        #expect(line?["seconds"] == "5.2" && line?["timeout_s"] == "5.0" && line?["state"] == "handling")
        #expect(pool.tick().signals.isEmpty, "killed once")
        let reaped = pool.exit(102, .signaled(signal: SIGKILL))
        #expect(reaped.messages == ["killed worker reaped"] && reaped.counts.isEmpty)
        #expect(pool.maintain().spawns.count == 1, "and replaced")
    }

    @Test func anIdleWorkerWithoutHeartbeatsIsKilled() {
        var pool = PoolHarness(poolSettings(workers: 1, timeout: 2))
        pool.startPool()
        pool.now += 10
        #expect(pool.tick().signals.isEmpty, "silence is measured against at least 10 s")
        pool.now += 0.5
        let killed = pool.tick()
        #expect(killed.signaled(SIGKILL) == [101])
        #expect(killed.counts == [.workersCrashed])
        #expect(killed.metadata("worker stopped sending heartbeats; killing it")?["silent_s"] == "10.5")
    }

    // MARK: - TTIN / TTOU

    @Test func ttinAddsAWorkerUpTo256() {
        var pool = PoolHarness(poolSettings(workers: 2))
        pool.startPool()
        let grown = pool.send(.growRequested)
        #expect(grown == [.log(.info, "pool size increased (TTIN)", ["workers": "3"]), .publishGauges, .refreshStatus])
        #expect(pool.maintain().spawns.count == 1)
        var full = PoolHarness(poolSettings(workers: 256))
        #expect(full.send(.growRequested).isEmpty)
    }

    @Test func ttouRetiresAnIdleWorkerFirstThenTheNewest() {
        var pool = PoolHarness(poolSettings(workers: 1))
        pool.startPool()
        for _ in 0..<2 {
            pool.send(.growRequested)
            pool.now += 1
            pool.becomeReady(pool.maintain().spawnedPIDs)
        }
        pool.tick()
        pool.startRequest(101)
        pool.startRequest(103)  // 102 is the only idle one
        let shrunk = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now))
        #expect(shrunk.signaled(SIGTERM) == [102])
        #expect(shrunk.metadata("retiring worker")?["reason"] == "pool size decreased")
        #expect(shrunk.contains(.log(.info, "pool size decreased (TTOU)", ["workers": "2"])))
        #expect(pool.machine.currentWorkers.count == 2)
        #expect(pool.maintain().isEmpty, "a retiring worker is not replaced")
        let again = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now))
        #expect(again.signaled(SIGTERM) == [103], "both busy: the newest goes")
    }

    @Test func ttouKeepsAtLeastOneWorker() {
        var pool = PoolHarness(poolSettings(workers: 1))
        pool.startPool()
        let refused = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now))
        #expect(refused == [.log(.warning, "TTOU ignored: the pool keeps at least one worker", [:])])
    }

    @Test func aRetiringWorkerFinishesItsRequestWithinTheGraceOrIsKilled() {
        var pool = PoolHarness(poolSettings(workers: 2, gracefulTimeout: 10))
        pool.startPool()
        pool.startRequest(101)
        let retiring = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now))
        #expect(retiring.signaled(SIGTERM) == [102] && retiring.signaled(SIGKILL).isEmpty, "TERM: finish the request, then leave")
        pool.startRequest(102)  // a request in flight (under the request timeout throughout)
        pool.now += 10
        #expect(pool.tick().signals.isEmpty, "within the graceful timeout")
        pool.now += 0.1
        let killed = pool.tick()
        #expect(killed.signaled(SIGKILL) == [102])
        #expect(killed.counts == [.workersRetired])
        #expect(killed.metadata("retiring worker did not finish within the graceful timeout; killing it")?["graceful_timeout_s"] == "10.0")
        #expect(pool.exit(102, .signaled(signal: SIGKILL)).messages == ["killed worker reaped"])
    }

    @Test func aRetiringWorkerThatExitsCleanlyIsRetiredAndOneThatCrashesIsSaidSo() {
        var pool = PoolHarness(poolSettings(workers: 3))
        pool.startPool()
        let first = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now)).signaled(SIGTERM)
        let retired = pool.exit(first[0], .exited(code: 0))
        #expect(retired.counts == [.workersRetired] && retired.messages == ["worker retired"])
        let second = pool.send(.shrinkRequested(slots: pool.slots, now: pool.now)).signaled(SIGTERM)
        let crashed = pool.exit(second[0], .signaled(signal: SIGSEGV))
        #expect(crashed.counts == [.workersCrashed] && crashed.messages == ["worker died while retiring"])
        #expect(pool.maintain().isEmpty, "retired workers are not replaced")
    }

    @Test func anExitOfAProcessThatIsNotAWorkerIsIgnored() {
        var pool = PoolHarness()
        pool.startPool()
        #expect(pool.send(.workerExited(pid: 999, status: .exited(code: 0), last: nil, passwordSlotsReleased: 0, now: pool.now)).isEmpty)
    }
}
