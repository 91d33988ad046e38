import Glibc
import Logging
import ProcessPool
import Testing

/// TERM/INT (graceful, then KILL at the deadline) and QUIT (at once).
@Suite struct PoolStateMachineStopTests {
    @Test func aGracefulStopTermsEveryWorkerAndExitsWhenTheLastIsGone() {
        var pool = PoolHarness(poolSettings(workers: 2, gracefulTimeout: 30))
        pool.startPool()
        pool.startRequest(101)
        let stopping = pool.send(.stopRequested(graceful: true, signal: "TERM", now: pool.now))
        #expect(stopping.metadata("graceful stop requested") == ["signal": "TERM", "graceful_timeout_s": "30.0"])
        #expect(stopping.notifications == [.stopping])
        #expect(stopping.signaled(SIGTERM) == [101, 102])
        #expect(pool.machine.stateName == "stopping")
        #expect(pool.machine.waitInterval(now: pool.now) == 0.05)

        #expect(pool.send(.reloadRequested(now: pool.now)).isEmpty, "no reload while stopping")
        #expect(pool.send(.growRequested).isEmpty && pool.send(.shrinkRequested(slots: pool.slots, now: pool.now)).isEmpty)
        #expect(pool.send(.stopRequested(graceful: true, signal: "INT", now: pool.now)).isEmpty, "a second TERM changes nothing")

        let idleLeft = pool.exit(102, .exited(code: 0))
        #expect(idleLeft.messages == ["worker retired"] && idleLeft.counts == [.workersRetired])
        #expect(pool.maintain().isEmpty, "nothing is forked while stopping")
        #expect(pool.tick().last != .exit(code: 0), "one worker is still finishing its request")
        pool.now += 3
        pool.exit(101, .exited(code: 0), requests: 1)
        #expect(pool.tick() == [.exit(code: 0)])
    }

    @Test func aGracefulStopKillsWhatIsLeftAtItsDeadline() {
        var pool = PoolHarness(poolSettings(workers: 2, gracefulTimeout: 5, timeout: 60))
        pool.startPool()
        pool.startRequest(101)
        pool.startRequest(102)
        pool.send(.stopRequested(graceful: true, signal: "TERM", now: pool.now))
        pool.now += 4.99
        #expect(pool.machine.waitInterval(now: pool.now) < 0.011, "the wait ends at the deadline")
        #expect(pool.tick().isEmpty)
        pool.now += 0.01
        let killed = pool.tick()
        #expect(killed == [
            .log(.warning, "workers did not stop in time; killing them", ["count": "2", "pids": "101,102"]),
            .killAndReap(pids: [101, 102]),
            .exit(code: 0),
        ])
    }

    @Test func supervisionGoesOnDuringAGracefulStop() {
        var pool = PoolHarness(poolSettings(workers: 1, gracefulTimeout: 60, timeout: 5))
        pool.startPool()
        pool.startRequest(101)
        pool.send(.stopRequested(graceful: true, signal: "TERM", now: pool.now))
        pool.now += 5.5
        let killed = pool.tick()
        #expect(killed.signaled(SIGKILL) == [101], "a request over the timeout is still killed")
        #expect(pool.exit(101, .signaled(signal: SIGKILL)).messages == ["killed worker reaped"])
        #expect(pool.tick() == [.exit(code: 0)])
    }

    @Test func quitStopsAtOnceWithTwoSecondsBeforeKill() {
        var pool = PoolHarness(poolSettings(workers: 2, timeout: 1))
        pool.startPool()
        pool.startRequest(101)
        let quitting = pool.send(.stopRequested(graceful: false, signal: "QUIT", now: pool.now))
        #expect(quitting.metadata("immediate stop requested") == ["signal": "QUIT"])
        #expect(quitting.signaled(SIGQUIT) == [101, 102] && quitting.signaled(SIGTERM).isEmpty)
        pool.now += 1.5
        #expect(pool.tick().isEmpty, "no supervision kills once QUIT was sent")
        pool.exit(102, .signaled(signal: SIGQUIT))
        pool.now += 0.5
        #expect(pool.tick() == [
            .log(.warning, "workers did not stop in time; killing them", ["count": "1", "pids": "101"]),
            .killAndReap(pids: [101]),
            .exit(code: 0),
        ])
    }

    @Test func quitDuringAGracefulStopEscalatesIt() {
        var pool = PoolHarness(poolSettings(workers: 2, gracefulTimeout: 30))
        pool.startPool()
        pool.send(.stopRequested(graceful: true, signal: "TERM", now: pool.now))
        pool.now += 1
        let escalated = pool.send(.stopRequested(graceful: false, signal: "QUIT", now: pool.now))
        #expect(escalated.messages == ["QUIT during a graceful stop: stopping at once"])
        #expect(escalated.signaled(SIGQUIT) == [101, 102])
        #expect(pool.send(.stopRequested(graceful: false, signal: "QUIT", now: pool.now)).isEmpty, "escalated once")
        pool.now += 2
        #expect(pool.tick().contains(.killAndReap(pids: [101, 102])), "the deadline moved to 2 s after the QUIT")
    }

    @Test func aWorkerThatDiesBeforeItIsReadyDuringAStopIsNotAStartFailure() {
        var pool = PoolHarness(poolSettings(workers: 1))
        pool.maintain()
        pool.send(.stopRequested(graceful: true, signal: "TERM", now: pool.now))
        let exited = pool.exit(101, .exited(code: 0))
        #expect(exited.messages == ["worker exited before it was ready"] && pool.machine.startFailures == 0)
        #expect(pool.tick() == [.exit(code: 0)])
    }
}
