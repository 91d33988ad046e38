import Foundation
import Testing

/// `scripts/render-nginx.py --include`: what `make bench` uses to put its peers' servers
/// (bench/peers/nginx.conf.in) into the bench stack's nginx without touching the
/// production file.
@Suite struct NginxRenderIncludeTests {
    @Test func anIncludedFileLandsAtTheEndOfTheHTTPBlockAndNginxAcceptsIt() throws {
        let directory = try PM.makeTemporaryDirectory("pm-include")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let extra = directory + "/extra.conf"
        try "server {\n    listen 127.0.0.1:9;\n    location / { return 204; }\n}\n"
            .write(toFile: extra, atomically: true, encoding: .utf8)
        let render = try PM.run("/usr/bin/env", ["python3", PM.repository + "/scripts/render-nginx.py", "--template", PM.repository + "/deploy/nginx.conf",
                                                 "--out", directory + "/nginx.conf", "--port", "9", "--socket", directory + "/catalog.sock",
                                                 "--run-dir", directory, "--include", extra])
        try #require(render.status == 0, "\(render.stderr)")
        let rendered = try String(contentsOfFile: directory + "/nginx.conf", encoding: .utf8)
        #expect(rendered.hasSuffix("\n    include \(extra);\n}\n"), "the include closes the http block")
        #expect(rendered.components(separatedBy: "include \(extra);").count == 2, "included once")
        let check = try PM.run("/usr/sbin/nginx", ["-t", "-q", "-c", directory + "/nginx.conf", "-p", directory + "/"])
        #expect(check.status == 0, "nginx -t: \(check.stderr)")
    }

    @Test func theProductionFileHasNoPeerAndARelativeIncludeIsRefused() throws {
        let production = try String(contentsOfFile: PM.repository + "/deploy/nginx.conf", encoding: .utf8)
        #expect(!production.contains("php-fpm") && !production.contains("gunicorn"), "the peers are bench-only")
        let directory = try PM.makeTemporaryDirectory("pm-include")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let render = try PM.run("/usr/bin/env", ["python3", PM.repository + "/scripts/render-nginx.py", "--template", PM.repository + "/deploy/nginx.conf",
                                                 "--out", directory + "/nginx.conf", "--port", "9", "--socket", directory + "/catalog.sock",
                                                 "--run-dir", directory, "--include", "extra.conf"])
        #expect(render.status != 0 && render.stderr.contains("--include"), "\(render.status) \(render.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/nginx.conf"))
    }
}
