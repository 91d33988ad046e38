import Core
import Foundation
import Glibc
import Testing
import TestSupport

/// Kept-alive FastCGI (off in deploy/nginx.conf; turned on here as an operator would:
/// `keepalive 16`, `fastcgi_keep_conn on`) does not
/// queue requests behind a busy worker while others idle: nginx picks a kept connection
/// without knowing whether its worker is busy, and the busy worker's watcher passes a
/// connection a request waits on to an idle worker (`BusyConnectionWatcher`).
///
/// On a pool of its own behind an nginx of its own (test routes on), arranged so that every
/// kept connection belongs to one worker, the worst case: the pool starts with one worker,
/// which serves bursts of requests sent at once (nginx keeps every connection it opened,
/// all to that worker), then grows to four (TTIN); the new workers hold no connection. A
/// slow request then takes one of the kept connections, and the fast requests sent while
/// it runs go out on the others: the busy worker's.
@Suite(.serialized) struct KeptConnectionTests {
    private struct Answer {
        let status: Int
        let seconds: Double
        let pid: Int?
    }

    private func get(_ path: String, port: UInt16) -> Answer {
        let started = Date()
        guard let response = try? HTTP.send("GET", path, port: port) else { return Answer(status: 0, seconds: 0, pid: nil) }
        let seconds = Date().timeIntervalSince(started)
        var pid: Int?
        if case .object(let object)? = try? JSONParser.parse(response.body), case .number(let text)? = object["pid"] { pid = Int(text) }
        return Answer(status: response.status, seconds: seconds, pid: pid)
    }

    private func burst(_ count: Int, _ path: String, port: UInt16) -> [Answer] {
        let answers = Locked<[Answer]>([])
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let answer = get(path, port: port)
            answers.withValue { $0.append(answer) }
        }
        return answers.withValue { $0 }
    }

    @Test func aBurstOnABusyWorkersKeptConnectionsIsServedByTheIdleOnes() throws {
        let ports = try PM.freePorts(2)
        let pool = try PrivatePool(port: ports[0], arguments: ["--workers", "1"], environment: ["CATALOG_ENABLE_TEST_ROUTES": "1"])
        defer { pool.stop() }
        try #require(try pool.waitReady(workers: 1))
        let nginx = try PrivateNginx(port: ports[1], upstreamServers: ["127.0.0.1:\(ports[0])"], keptConnections: 16)
        defer { nginx.stop() }

        // Kept connections, every one to the pool's only worker.
        for _ in 0..<3 {
            let warm = burst(8, "/__test/worker", port: ports[1])
            try #require(warm.allSatisfy { $0.status == 200 }, "\(warm.map(\.status))")
        }
        let first = TestStack.children(of: pool.pid)
        try #require(first.count == 1, "one worker: \(first)")
        for workers in 2...4 {
            kill(pool.pid, SIGTTIN)
            try #require(try pool.waitReady(workers: workers), "the pool grows to \(workers) workers")
        }
        let handedOverBefore = try handedOverBusy(port: ports[1])

        // A slow request on one kept connection; fast ones on the others while it runs.
        let slow = Locked<Answer?>(nil)
        let slowDone = DispatchSemaphore(value: 0)
        Thread {
            slow.withValue { $0 = get("/__test/sleep?seconds=2", port: ports[1]) }
            slowDone.signal()
        }.start()
        usleep(300_000)
        var fast: [Answer] = []
        for _ in 0..<3 {
            fast += burst(6, "/__test/worker", port: ports[1])
            usleep(100_000)
        }
        #expect(slowDone.wait(timeout: .now() + 10) == .success, "the slow request ends")

        let sleeper = slow.withValue { $0 }
        #expect(sleeper?.status == 200)
        #expect(sleeper?.pid == Int(first[0]), "the slow request ran on the worker that holds the kept connections")
        #expect((sleeper?.seconds ?? 0) >= 2)
        #expect(fast.count == 18 && fast.allSatisfy { $0.status == 200 }, "\(fast.map(\.status))")
        let slowest = fast.map(\.seconds).max() ?? 0
        #expect(slowest < 1.0, "no fast request waits for the slow one: the slowest took \(slowest) s")
        #expect(fast.allSatisfy { $0.pid != sleeper?.pid }, "the busy worker served none of them")
        #expect(try handedOverBusy(port: ports[1]) > handedOverBefore, "the busy worker passed kept connections on")
    }

    private func handedOverBusy(port: UInt16) throws -> Double {
        let text = try HTTP.send("GET", "/metrics", port: port).text
        return ProcessManagerTests.sample(text, "catalog_connections_handed_over_total{reason=\"busy\"}") ?? -1
    }
}
