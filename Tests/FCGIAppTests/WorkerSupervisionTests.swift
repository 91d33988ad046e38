import Foundation
import Testing

/// The pre-fork master replaces a worker that dies, and requests keep succeeding.
@Suite(.serialized) struct WorkerSupervisionTests {
    @Test func aKilledWorkerIsReplacedWhileRequestsKeepSucceeding() throws {
        let master = TestStack.masterPID
        let workers = TestStack.children(of: master)
        try #require(workers.count >= 2, "the stack runs several workers: \(workers)")

        let victim = workers[0]
        #expect(kill(victim, SIGKILL) == 0)

        var failures: [Int] = []
        for _ in 0..<60 {
            let response = try HTTP.get("/products?limit=5")
            if response.status != 200 { failures.append(response.status) }
        }
        #expect(failures.isEmpty, "requests after the kill failed: \(failures)")

        var replaced = false
        for _ in 0..<50 {
            let now = TestStack.children(of: master)
            if now.count == workers.count, !now.contains(victim) { replaced = true; break }
            usleep(100_000)
        }
        #expect(replaced, "the master forks a replacement for the killed worker")
        let log = try String(contentsOfFile: TestStack.required("CATALOG_LOG_FILE"), encoding: .utf8)
        #expect(log.contains("worker_pid=\(victim)") && log.contains("signal 9"), "the death is logged with pid and signal")
    }
}
