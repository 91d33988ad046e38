import Foundation
import Testing

/// The pre-fork master replaces a worker that dies, and requests keep succeeding.
///
/// On a pool of its own behind an nginx of its own: killing a worker of the shared stack
/// would fail whatever request another suite, running beside this one, had on it (a
/// killed worker's in-flight request, and a POST nginx sends on a kept connection of its
/// that instant, get 502 by design: see docs/OPERATIONS.md).
@Suite(.serialized) struct WorkerSupervisionTests {
    @Test func aKilledWorkerIsReplacedWhileRequestsKeepSucceeding() throws {
        let ports = try PM.freePorts(2)
        let pool = try PrivatePool(port: ports[0], arguments: ["--workers", "3"])
        defer { pool.stop() }
        #expect(try pool.waitReady(workers: 3))
        let nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"])
        defer { nginx.stop() }
        for _ in 0..<10 { _ = try HTTP.send("GET", "/products?limit=5", headers: [("Cache-Control", "no-cache")], port: ports[1]) }  // kept connections to the workers

        let workers = TestStack.children(of: pool.pid)
        try #require(workers.count == 3, "the pool runs three workers: \(workers)")
        let victim = workers[0]
        #expect(kill(victim, SIGKILL) == 0)

        var failures: [Int] = []
        for _ in 0..<60 {
            let response = try HTTP.send("GET", "/products?limit=5", headers: [("Cache-Control", "no-cache")], port: ports[1])
            if response.status != 200 { failures.append(response.status) }
        }
        #expect(failures.isEmpty, "requests after the kill failed: \(failures)")

        var replaced = false
        for _ in 0..<50 {
            let now = TestStack.children(of: pool.pid)
            if now.count == workers.count, !now.contains(victim) { replaced = true; break }
            usleep(100_000)
        }
        #expect(replaced, "the master forks a replacement for the killed worker")
        #expect(pool.log.contains("worker_pid=\(victim)") && pool.log.contains("signal 9"), "the death is logged with pid and signal")
    }
}
