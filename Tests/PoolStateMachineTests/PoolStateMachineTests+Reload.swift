import Glibc
import Logging
import ProcessPool
import Testing

/// HUP: a new generation comes up before the old one retires; a failed one rolls back.
@Suite struct PoolStateMachineReloadTests {
    /// A running pool of two workers (generation 1, configuration "A") whose next reload reads "B".
    func runningPool(_ settings: PoolSettings = poolSettings(workers: 2), next: PoolSettings = poolSettings(workers: 2)) -> PoolHarness {
        var pool = PoolHarness(settings)
        pool.startPool()
        pool.configuration = .success((next, "B"))
        return pool
    }

    @Test func theNewGenerationIsReadyBeforeTheOldRetiresAndTheOldFinishesInFlight() {
        var pool = runningPool(next: poolSettings(workers: 3))
        pool.startRequest(101)  // in flight across the reload
        let begun = pool.send(.reloadRequested(now: pool.now))
        #expect(Array(begun.prefix(2)) == [.notify(.reloading), .loadConfiguration])
        #expect(begun.contains(.adoptConfiguration("B")) && begun.contains(.publishGauges))
        #expect(begun.metadata("reload: starting a new generation") == ["generation": "2", "workers": "3"])
        #expect(pool.machine.generation == 2 && pool.machine.configuration == "B" && pool.machine.settings.workers == 3)
        #expect(pool.machine.stateName == "reloading")

        let forked = pool.maintain()
        #expect(forked.spawns.map(\.generation) == [2, 2, 2], "the new generation at its new size")
        let fresh = forked.spawnedPIDs
        #expect(pool.tick().signals.isEmpty, "the old generation serves until all of the new one is ready")
        pool.becomeReady(Array(fresh.prefix(2)))
        #expect(pool.tick().signals.isEmpty, "two of three ready is not enough")
        pool.becomeReady(fresh)
        let switched = pool.tick()
        #expect(switched.signaled(SIGTERM) == [101, 102], "the old generation is retired with TERM")
        #expect(switched.signaled(SIGKILL).isEmpty, "not killed: in-flight requests finish")
        #expect(switched.metadata("reload: new generation ready; old workers finish their requests and exit")?["retiring"] == "2")
        #expect(switched.metadata("retiring worker")?["reason"] == "reload: generation 2 is ready")

        pool.exit(102, .exited(code: 0))
        #expect(!pool.tick().counts.contains(.reloads), "the reload is complete only when the last old worker is gone")
        pool.now += 1
        let done = pool.exit(101, .exited(code: 0), requests: 1)
        #expect(done.counts == [.workersRetired])
        let complete = pool.tick()
        #expect(complete.counts == [.reloads])
        #expect(complete.notifications == [.ready(status: "serving with 3 workers, generation 2")])
        #expect(complete.metadata("reload complete") == ["generation": "2", "workers": "3"])
        #expect(pool.machine.stateName == "running")
        #expect(pool.maintain().isEmpty, "retired old workers are not replaced")
    }

    @Test func aHUPDuringAReloadStartsAnotherOnceThisOneIsComplete() {
        var pool = runningPool()
        pool.send(.reloadRequested(now: pool.now))
        let second = pool.send(.reloadRequested(now: pool.now))
        #expect(second == [.log(.info, "HUP during a reload: another reload will follow this one", [:])])
        pool.becomeReady(pool.maintain().spawnedPIDs)
        pool.tick()  // the old generation retires
        for pid in pool.pids(generation: 1) { pool.exit(pid, .exited(code: 0)) }
        let complete = pool.tick()
        #expect(complete.counts == [.reloads])
        #expect(complete.contains(.loadConfiguration), "the pending reload begins at once")
        #expect(pool.machine.generation == 3)
        #expect(pool.maintain().spawns.map(\.generation) == [3, 3])
    }

    @Test func anInvalidConfigurationKeepsTheRunningWorkers() {
        var pool = runningPool()
        pool.configuration = .failure(PoolHarness.Problems(lines: ["CATALOG_WORKERS: must be from 1 to 256, got 0"]))
        let refused = pool.send(.reloadRequested(now: pool.now))
        #expect(refused.metadata("reload: configuration problem") == ["problem": "CATALOG_WORKERS: must be from 1 to 256, got 0"])
        #expect(refused.messages.contains("reload aborted: the configuration is invalid; the running workers keep serving"))
        #expect(refused.counts == [.reloadsFailed])
        #expect(refused.notifications == [.reloading, .ready(status: "reload failed (invalid configuration); serving with generation 1")])
        #expect(refused.signals.isEmpty && pool.machine.generation == 1 && pool.machine.configuration == "A")
        #expect(pool.machine.stateName == "running")
    }

    @Test func aNewGenerationNotReadyInTimeIsAbandonedAndThePreviousOneKeepsServing() {
        var pool = runningPool()
        pool.send(.reloadRequested(now: pool.now))
        let fresh = pool.maintain().spawnedPIDs
        pool.becomeReady([fresh[0]])
        pool.tick()
        pool.now += 29
        pool.exit(fresh[1], .exited(code: 1))  // a start failure: one probe after the back-off
        pool.now += 0.1
        let probe = pool.maintain().spawnedPIDs
        pool.now += 1.4  // past the reload's deadline, not past the probe's own ready timeout
        pool.becomeReady([101, 102, fresh[0]])
        let aborted = pool.tick()
        #expect(aborted.metadata("reload aborted; the previous generation keeps serving") == [
            "reason": "the new workers were not ready within 30.0s", "generation": "1",
        ])
        #expect(aborted.signaled(SIGTERM) == [fresh[0]], "the ready new worker retires")
        #expect(aborted.signaled(SIGKILL) == probe, "the starting one is killed")
        #expect(!aborted.signals.contains { $0.pid == 101 || $0.pid == 102 })
        #expect(aborted.contains(.restoreConfiguration("A")))
        #expect(aborted.counts == [.reloadsFailed])
        #expect(aborted.notifications == [.ready(status: "reload failed; serving with generation 1")])
        #expect(pool.machine.generation == 1 && pool.machine.configuration == "A" && pool.machine.stateName == "running")
        #expect(pool.machine.startFailures == 0, "the new generation's failures do not hold back the old one")

        let killed = pool.exit(probe[0], .signaled(signal: SIGKILL))
        #expect(killed.messages == ["worker exited before it was ready"] && killed.counts.isEmpty, "not a start failure")
        #expect(pool.exit(fresh[0], .exited(code: 0)).messages == ["worker retired"])
        #expect(pool.maintain().isEmpty, "generation 1 is whole")
    }

    @Test func aNewWorkerStillStartingAtTheReloadDeadlineIsKilledByItsOwnReadyTimeoutFirst() {
        // The reload's deadline is the ready timeout, and supervision runs before the
        // reload moves on: such a worker is killed as not ready (a start failure), then
        // the reload is abandoned.
        var pool = runningPool()
        pool.send(.reloadRequested(now: pool.now))
        let fresh = pool.maintain().spawnedPIDs
        pool.now += 30.5
        pool.becomeReady([101, 102])
        let aborted = pool.tick()
        #expect(aborted.messages.prefix(3) == [
            "worker did not become ready in time; killing it", "worker did not become ready in time; killing it",
            "reload aborted; the previous generation keeps serving",
        ])
        #expect(Set(aborted.signaled(SIGKILL)) == Set(fresh))
        #expect(pool.machine.generation == 1)
    }

    @Test func aNewGenerationThatKeepsFailingToStartIsAbandonedNotTheMaster() {
        var pool = runningPool(next: poolSettings(workers: 1, maxStartFailures: 2))
        pool.send(.reloadRequested(now: pool.now))
        pool.exit(pool.maintain().spawnedPIDs[0], .exited(code: 78))
        pool.now = pool.machine.nextSpawnAt
        pool.exit(pool.maintain().spawnedPIDs[0], .exited(code: 78))
        let aborted = pool.tick()
        #expect(aborted.metadata("reload aborted; the previous generation keeps serving")?["reason"] == "2 new workers in a row failed to start (last: exit status 78)")
        #expect(!aborted.contains(.notify(.givingUp)) && !pool.machine.isStopping)
        #expect(pool.machine.generation == 1 && pool.machine.settings.workers == 2 && pool.machine.startFailures == 0)
    }

    @Test func aCrashedOldWorkerIsReplacedInItsOwnGenerationOnlyAfterTheReload() {
        var pool = runningPool()
        pool.send(.reloadRequested(now: pool.now))
        pool.maintain()
        let crashed = pool.exit(101, .signaled(signal: SIGSEGV))
        #expect(crashed.messages == ["worker died; replacing it"])
        #expect(pool.maintain().isEmpty, "the pool's size counts the new generation")
    }
}
