import Core
import Foundation
import Testing

/// Several `catalog serve` pools behind one nginx upstream, as deploy/nginx.conf shows:
/// two pools on loopback TCP ports with weights 3 and 1, nginx rendered from the
/// production file with its upstream servers replaced (scripts/render-nginx.py
/// --upstream-server).
@Suite(.serialized) struct LoadBalancingTests {
    @Test func requestsSpreadByWeightAndOneBackendsStopIsAbsorbed() throws {
        let ports = try PM.freePorts(3)
        let heavy = try PrivatePool(port: ports[0], arguments: ["--workers", "2"])
        defer { heavy.stop() }
        let light = try PrivatePool(port: ports[1], arguments: ["--workers", "2"])
        defer { light.stop() }
        #expect(try heavy.waitReady(workers: 2))
        #expect(try light.waitReady(workers: 2))
        let nginx = try PrivateNginx(port: ports[2], upstreamServers: [
            "127.0.0.1:\(ports[0]) weight=3 max_fails=1 fail_timeout=10s",
            "127.0.0.1:\(ports[1]) weight=1 max_fails=1 fail_timeout=10s",
        ])
        defer { nginx.stop() }

        for _ in 0..<400 {
            let response = try HTTP.send("GET", "/healthz", port: ports[2])
            try #require(response.status == 200, "\(response.status) \(response.text)")
        }
        // Each pool's scoreboard counts what it served (the master rewrites the file each second).
        var served = (0, 0)
        _ = try PM.waitUntil(3) {
            served = (PM.counter(try PM.status(file: heavy.statusFile), "requests"), PM.counter(try PM.status(file: light.statusFile), "requests"))
            return served.0 + served.1 >= 400
        }
        #expect(served.0 + served.1 == 400, "served: \(served)")
        // nginx's smooth weighted round-robin: exactly 3 of every 4 when nothing fails.
        #expect((290...310).contains(served.0) && (90...110).contains(served.1), "weights 3:1 → \(served)")

        // Stop the light backend under a steady GET load: nothing fails.
        let load = try LoadRun(path: "/healthz", seconds: 4, connections: 8, port: ports[2])
        usleep(1_000_000)
        let status = light.stop()
        #expect(status == 0, "the stopped pool exits cleanly")
        let result = load.wait()
        #expect(result.requests > 100, "the load ran: \(result.text)")
        #expect(result.failures == 0, "GETs absorbed by the other backend: \(result.text)\n\(nginx.errorLog.suffix(1500))")
        #expect(try HTTP.send("GET", "/healthz", port: ports[2]).status == 200)
    }

    @Test func theRendererStillFailsWhenAProductionTokenIsMissing() throws {
        let directory = try PM.makeTemporaryDirectory("pm-render")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let template = try String(contentsOfFile: PM.repository + "/deploy/nginx.conf", encoding: .utf8)
            .replacingOccurrences(of: "server unix:/run/catalog/catalog.sock;", with: "server unix:/run/catalog/other.sock;")
        try template.write(toFile: directory + "/drifted.conf", atomically: true, encoding: .utf8)
        let result = try PM.run("/usr/bin/env", ["python3", PM.repository + "/scripts/render-nginx.py", "--template", directory + "/drifted.conf",
                                                 "--out", directory + "/out.conf", "--port", "9", "--run-dir", directory,
                                                 "--upstream-server", "127.0.0.1:9001 weight=2"])
        #expect(result.status != 0 && result.stderr.contains("drifted"), "\(result.status) \(result.stderr)")
    }
}
