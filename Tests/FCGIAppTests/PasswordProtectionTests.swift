import Core
import Foundation
import Glibc
import Testing
import TestSupport

/// What keeps password work from starving everything else, end to end: the pool-wide
/// hashing slots (a fast 503 with Retry-After when all are busy), the per-account
/// throttle of failed sign-ins with its lock-out protection and admin command, and
/// nginx's per-client key, which must be the application's `ClientAddress.key`.
@Suite(.serialized) struct PasswordProtectionTests {
    /// Registers a user without signing in (so no address is remembered for it yet).
    private func registered(_ label: String, password: String = "correct horse battery") throws -> (email: String, password: String) {
        let email = "\(TestStack.uniqueTag(label))@example.com"
        let response = try HTTP.patient("POST", "/register", json: ["email": .string(email), "password": .string(password), "name": .string(label)])
        #expect(response.status == 201, "\(response.text)")
        return (email, password)
    }

    /// One sign-in, as sent: nginx's ceilings and a busy hashing slot answer too.
    private func attempt(_ email: String, _ password: String, from source: String? = nil) throws -> HTTPResult {
        try HTTP.send("POST", "/auth/login", headers: [("Content-Type", "application/json")],
                      body: JSONValue.object(["email": .string(email), "password": .string(password)]).encoded, from: source)
    }

    /// A sign-in that waits out nginx's pool-wide ceilings and a busy hashing slot (other
    /// suites sign in at the same time), never the account's own throttle, whose answer
    /// it returns: what these tests assert is the account's rule.
    private func login(_ email: String, _ password: String, from source: String? = nil) throws -> HTTPResult {
        var response = try attempt(email, password, from: source)
        while response.status == 429 || response.status == 503, !response.text.contains("for this account") {
            Thread.sleep(forTimeInterval: Double(response.header("Retry-After") ?? "1") ?? 1)
            response = try attempt(email, password, from: source)
        }
        return response
    }

    /// Fails `count` sign-ins for `email`.
    private func fail(_ email: String, times count: Int, from source: String? = nil) throws {
        for attempt in 1...count {
            let response = try login(email, "not the password", from: source)
            Fixtures.expectProblem(response, 401)
            if response.status != 401 { Issue.record("attempt \(attempt): \(response.status) \(response.text)"); return }
        }
    }

    private func metric(_ series: String) throws -> Double {
        ProcessManagerTests.sample(try HTTP.get("/metrics").text, series) ?? 0
    }

    @Test func afterFiveFailuresAnAccountWaitsWithRetryAfterKnownOrNot() throws {
        let user = try registered("throttled")
        let unknown = "nobody-\(TestStack.uniqueTag("ghost"))@example.com"
        let throttledBefore = try metric("catalog_logins_throttled_total")
        // The fifth failure imposes a 1 s wait, so each account is tried right after it.
        // Each run of six sign-ins starts after 2 s, in which nginx's limit on all password
        // routes (burst 6 at 3/s) refills: a 429 from it would make `login` sleep and retry,
        // and the 1 s wait could run out before the attempt is checked.
        Thread.sleep(forTimeInterval: 2)
        try fail(user.email, times: 5)
        let known = try login(user.email, user.password)  // even the right password waits
        Thread.sleep(forTimeInterval: 2)
        try fail(unknown, times: 5)
        let ghost = try login(unknown, "anything at all")
        for response in [known, ghost] {
            Fixtures.expectProblem(response, 429)
            #expect(response.header("Retry-After") == "1", "\(response.headers)")
        }
        #expect(known.text == ghost.text, "the same answer whether the account exists")
        #expect(known.text.contains("Too many failed sign-ins for this account"))
        #expect(try metric("catalog_logins_throttled_total") >= throttledBefore + 2)

        // The wait grows with each further failure (1 s after the fifth, then 2 s, ...).
        Thread.sleep(forTimeInterval: 1.2)
        try fail(user.email, times: 1)
        let longer = try login(user.email, user.password)
        Fixtures.expectProblem(longer, 429)
        #expect(Int(longer.header("Retry-After") ?? "") == 2, "\(longer.headers)")

        // An operator clears it; then the right password signs in at once.
        let cleared = try PM.run(PM.catalogBinary, ["admin", "unthrottle", "--email", user.email.uppercased()])
        #expect(cleared.status == 0 && cleared.stdout.contains("cleared"), "\(cleared.stdout) \(cleared.stderr)")
        #expect(try login(user.email, user.password).status == 200)
        let stored = try TestStack.database().query("SELECT count(*) FROM login_failures WHERE email_key = \(LoginThrottle.emailKey(user.email))")
        #expect(try stored.first!.int64(0) == 0, "a successful sign-in forgets the failures")
    }

    @Test func anAttackerElsewhereCannotLockTheOwnerOutOfAPlaceTheyUse() throws {
        let user = try registered("owner")
        #expect(try login(user.email, user.password, from: "127.0.0.1").status == 200)  // the owner's usual place

        try fail(user.email, times: 5, from: "127.0.0.9")  // the attacker, another client: a 1 s wait
        // Two more failures, each once the wait has run out, make it 4 s. A 1 s wait could
        // run out before the attempt below is checked: `login` sleeps and retries when
        // nginx's limit on all password routes, which the suites running alongside share,
        // answers 429 first (a CI run saw the attacker signed in that way).
        for wait in [1.2, 2.2] {
            Thread.sleep(forTimeInterval: wait)
            try fail(user.email, times: 1, from: "127.0.0.9")
        }
        let attacker = try login(user.email, user.password, from: "127.0.0.9")
        Fixtures.expectProblem(attacker, 429)

        let owner = try login(user.email, user.password, from: "127.0.0.1")
        #expect(owner.status == 200, "the owner's known address is let through: \(owner.text)")
        let remembered = try TestStack.database().query("""
            SELECT a.address_key FROM login_addresses a JOIN users u ON u.id = a.user_id WHERE u.email = \(user.email)
            """)
        #expect(try remembered.rows.map { try $0.string(0) } == ["127.0.0.1"])
    }

    @Test func whenEverySlotIsBusyAHashIsRefusedAtOnceWith503() throws {
        let user = try registered("slots")
        let slots = Int(try metric("catalog_password_slots"))
        #expect(slots >= 1)
        let refusedBefore = try metric("catalog_password_work_total{outcome=\"refused\"}")
        // More sign-ins at once than there are slots, within nginx's bursts once the
        // earlier tests' sign-ins have drained from the ceiling's bucket (6 at 3 r/s).
        usleep(2_500_000)
        let count = slots + 3
        let results = Locked<[HTTPResult]>([])
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            if let response = try? self.attempt(user.email, user.password) { results.withValue { $0.append(response) } }
        }
        let responses = results.withValue { $0 }
        #expect(responses.count == count)
        let statuses = responses.map(\.status)
        #expect(statuses.contains(200), "\(statuses)")
        #expect(statuses.contains(503), "\(statuses)")
        #expect(statuses.allSatisfy { [200, 503].contains($0) }, "\(statuses)")
        for refused in responses where refused.status == 503 {
            Fixtures.expectProblem(refused, 503)
            #expect(refused.header("Retry-After") == "1")
        }
        #expect(try metric("catalog_password_work_total{outcome=\"refused\"}") >= refusedBefore + Double(statuses.filter { $0 == 503 }.count))
        #expect(try metric("catalog_password_slots_in_use") == 0, "every slot is given back")
    }

    /// nginx's per-client key (`map $remote_addr $catalog_client` in deploy/nginx.conf),
    /// run in a real nginx over many addresses, equals `ClientAddress.key`. Loopback has
    /// only `::1` for IPv6, so the map is fed the address from a query parameter instead.
    @Test func nginxKeysClientsExactlyAsTheApplicationDoes() throws {
        let conf = try String(contentsOfFile: PM.repository + "/deploy/nginx.conf", encoding: .utf8)
        guard let start = conf.range(of: "    map $remote_addr $catalog_client {"),
              let end = conf.range(of: "\n    }\n", range: start.upperBound..<conf.endIndex)
        else { Issue.record("the catalog_client map is not in deploy/nginx.conf"); return }
        let map = conf[start.lowerBound..<end.upperBound].replacingOccurrences(of: "map $remote_addr ", with: "map $arg_a ")
            .replacingOccurrences(of: "default                                                                  $remote_addr;", with: "default $arg_a;")

        var addresses = ["127.0.0.1", "10.1.2.3", "::1", "::", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::1", "2001:db8:1:2:ffff::",
                         "2001:db8:1::1", "2001:db8::1", "2001::5:1:2:3:4", "2001::1:2:3:4", "::7:8:1:2:3:4", "::8:1:2:3:4",
                         "::ffff:192.0.2.7", "fe80::1:2:3:4"]
        // Random addresses with runs of zero groups anywhere, spelled as nginx prints them
        // (glibc's inet_ntop compresses the same way; the IPv4-compatible ::a.b.c.d
        // spelling, which nginx does not use, is skipped).
        var generator = SystemRandomNumberGenerator()
        while addresses.count < 400 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for group in 0..<8 where Int.random(in: 0..<3, using: &generator) == 0 {
                let value = UInt16.random(in: 1...UInt16.max, using: &generator)
                bytes[2 * group] = UInt8(value >> 8)
                bytes[2 * group + 1] = UInt8(value & 0xFF)
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, bytes, &text, socklen_t(text.count)) != nil else { continue }
            let spelled = String(cString: text)
            if spelled.hasPrefix("::"), spelled.contains("."), !spelled.hasPrefix("::ffff:") { continue }
            addresses.append(spelled)
        }

        let nginx = try MiniNginx(httpBlock: map + "\n", location: "default_type text/plain; return 200 \"$catalog_client\";")
        defer { nginx.stop() }
        for address in addresses {
            let response = try HTTP.send("GET", "/?a=\(address)", port: nginx.port)
            #expect(response.text == ClientAddress.key(address), "\(address): nginx \(response.text)")
        }
    }
}

/// A throwaway nginx on a free loopback port with one server whose `/` is `location`.
struct MiniNginx {
    let directory: String
    let port: UInt16
    private let binary: String

    init(httpBlock: String, location: String) throws {
        directory = try PM.makeTemporaryDirectory("mini-nginx")
        chmod(directory, 0o755)
        binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nginx"
        port = try Self.freePort()
        let config = """
            daemon on;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory); proxy_temp_path \(directory); fastcgi_temp_path \(directory);
                uwsgi_temp_path \(directory); scgi_temp_path \(directory);
            \(httpBlock)
                server { listen 127.0.0.1:\(port); location / { \(location) } }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let started = try PM.run(binary, ["-p", directory, "-c", directory + "/nginx.conf"])
        guard started.status == 0 else { throw HTTP.Failure(description: "nginx did not start: \(started.stderr)") }
        for _ in 0..<50 where (try? HTTP.send("GET", "/", port: port)) == nil { usleep(100_000) }
    }

    func stop() {
        _ = try? PM.run(binary, ["-p", directory, "-c", directory + "/nginx.conf", "-s", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw HTTP.Failure(description: "no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}
