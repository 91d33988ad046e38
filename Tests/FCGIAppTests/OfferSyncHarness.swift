import Core
import Foundation
import Testing

/// Runs the real `catalog sync-offers` binary against the test stack, and drives the
/// offers stand-in that the stack started (scripts/offers-standin.py).
///
/// The job is a separate process in production (a systemd timer starts it), so the tests
/// run it as one too: the binary named by `CATALOG_BIN`, with the stack's environment
/// (DATABASE_URL, OFFERS_BASE_URL, OFFERS_REFRESH_TOKEN from catalog.env).
enum OfferSync {
    /// One finished run of the job.
    struct Run: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String

        /// The summary line (the job prints exactly one line on stdout).
        var summary: String {
            stdout.split(separator: "\n").last.map(String.init) ?? ""
        }

        /// A `key=N` count of the summary line.
        func count(_ key: String) -> Int? {
            for field in summary.split(separator: " ") where field.hasPrefix(key + "=") {
                return Int(field.dropFirst(key.count + 1))
            }
            return nil
        }

        var description: String { "exit \(status): \(summary)\n\(stderr.suffix(2000))" }
    }

    /// A run in progress (for the concurrency test).
    final class Running {
        let process: Process
        let stdoutPath: String
        let stderrPath: String

        init(process: Process, stdoutPath: String, stderrPath: String) {
            self.process = process
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        /// Waits (at most `timeout` seconds, then kills it and fails) and collects the output.
        func finish(timeout: Double = 60) throws -> Run {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                if Date() > deadline {
                    process.terminate()
                    process.waitUntilExit()
                    throw HTTP.Failure(description: "sync-offers did not finish within \(timeout) s")
                }
                usleep(20_000)
            }
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(atPath: stdoutPath)
                try? FileManager.default.removeItem(atPath: stderrPath)
            }
            return Run(status: process.terminationStatus,
                       stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
        }
    }

    /// Starts `catalog sync-offers` with the stack's environment; `environment` entries
    /// override it (`nil` removes a variable).
    static func start(_ arguments: [String] = [], environment overrides: [String: String?] = [:]) throws -> Running {
        let binary = TestStack.required("CATALOG_BIN")
        var environment = ProcessInfo.processInfo.environment
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        environment["no_proxy"] = "127.0.0.1,localhost"
        for (name, value) in overrides { environment[name] = value }
        let directory = NSTemporaryDirectory()
        let tag = Hex.encode(SecureRandom.bytes(6))
        let stdoutPath = directory + "/sync-offers-\(tag).out"
        let stderrPath = directory + "/sync-offers-\(tag).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["sync-offers"] + arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        return Running(process: process, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// Runs the job to the end.
    static func run(_ arguments: [String] = [], environment: [String: String?] = [:]) throws -> Run {
        try start(arguments, environment: environment).finish()
    }

    /// Runs the job and requires it to succeed.
    @discardableResult
    static func runSuccessfully(_ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let run = try run(arguments)
        try #require(run.status == 0, "sync-offers failed: \(run)", sourceLocation: sourceLocation)
        return run
    }

    // MARK: - Database views of the job's work

    /// A product created through the API, with its UUID for the offers service.
    @discardableResult
    static func newProduct(_ prefix: String) throws -> (id: Int64, uuid: String) {
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag(prefix), description: "offer sync test")
        let uuid = try TestStack.database().query("SELECT offers_uuid::text FROM products WHERE id = \(id)").first!.string(0)
        return (id, uuid)
    }

    /// `offers_registration`, attempts and last error of a product.
    static func registration(_ id: Int64) throws -> (state: String, attempts: Int64, error: String?) {
        let row = try TestStack.database().query(
            "SELECT offers_registration, offers_registration_attempts, offers_registration_error FROM products WHERE id = \(id)").first!
        return try row.decode((String, Int64, String?).self)
    }

    /// Every stored offer and every product's sync and check times, as text: "nothing
    /// changed" checks (a failed product must not even count as checked).
    static func snapshot() throws -> [String] {
        let db = try TestStack.database()
        let offers = try db.query("SELECT id::text || ' ' || product_id || ' ' || price || ' ' || items_in_stock || ' ' || updated_at FROM offers ORDER BY id")
        let synced = try db.query("""
            SELECT p.id || ' ' || coalesce(p.offers_synced_at::text, '-') || ' ' || coalesce(c.offers_checked_at::text, '-')
            FROM products p LEFT JOIN product_offer_checks c ON c.product_id = p.id ORDER BY p.id
            """)
        return try offers.rows.map { try $0.string(0) } + synced.rows.map { try $0.string(0) }
    }

    /// The row version (`xmin`, the transaction that wrote it) of the product, under
    /// "product", and of each of its offers, under the offer's id. Any UPDATE, DELETE or
    /// INSERT of one of these rows changes this map; locking a row does not.
    static func rowVersions(_ id: Int64) throws -> [String: String] {
        let rows = try TestStack.database().query("""
            SELECT 'product', xmin::text FROM products WHERE id = \(id)
            UNION ALL
            SELECT id::text, xmin::text FROM offers WHERE product_id = \(id)
            """).rows
        var versions: [String: String] = [:]
        for row in rows { versions[try row.string(0)] = try row.string(1) }
        return versions
    }

    /// `products.offers_synced_at` (when the offers last changed) as Unix time with
    /// microseconds (the API shows whole seconds), or nil.
    static func offersSyncedAt(_ id: Int64) throws -> Double? {
        try TestStack.database().query("SELECT extract(epoch FROM offers_synced_at)::float8 FROM products WHERE id = \(id)")
            .first?.decode(Double?.self) ?? nil
    }

    /// When the job last checked the product's offers (`product_offer_checks`), or nil.
    static func offersCheckedAt(_ id: Int64) throws -> Double? {
        try TestStack.database().query(
            "SELECT extract(epoch FROM offers_checked_at)::float8 FROM product_offer_checks WHERE product_id = \(id)")
            .first?.decode(Double?.self) ?? nil
    }

    /// The stored access token, if any.
    static func storedToken() throws -> (value: String, expiresAt: Double)? {
        guard let row = try TestStack.database().query(
            "SELECT access_token, extract(epoch FROM expires_at)::float8 FROM offers_access_tokens").first else { return nil }
        return try row.decode((String, Double).self)
    }

    /// Starts the next run from a clean token state: the stand-in's token expired and
    /// none stored, so the next `POST /auth` succeeds.
    static func forgetTokens() throws {
        try Standin.control(["expire_token": true])
        try TestStack.database().query("DELETE FROM offers_access_tokens")
    }

    /// Reads past nginx's response cache: these tests are about what a sync wrote, which
    /// anonymous readers see within the cache's bound (ResponseCacheTests holds that).
    static let uncached = [("Cache-Control", "no-cache")]

    /// The offers `GET /products/{id}` shows, without `updated_at`, as (id, price, stock).
    static func apiOffers(_ id: Int64) throws -> [OfferTriple] {
        let response = try HTTP.get("/products/\(id)", headers: OfferSync.uncached)
        try #require(response.status == 200, "GET /products/\(id): \(response.status)")
        guard case .array(let offers)? = response["offers"] else { throw HTTP.Failure(description: "no offers in \(response.text)") }
        return offers.compactMap(OfferTriple.init)
    }
}

/// An offer's id, price and stock, comparable between the API and the stand-in.
struct OfferTriple: Equatable, Comparable, CustomStringConvertible {
    let id: String
    let price: String
    let stock: String

    init(id: String, price: Int, stock: Int) {
        self.id = id
        self.price = String(price)
        self.stock = String(stock)
    }

    init?(_ value: JSONValue) {
        guard case .object(let object) = value, case .string(let id)? = object["id"],
              case .number(let price)? = object["price"], case .number(let stock)? = object["items_in_stock"]
        else { return nil }
        self.id = id
        self.price = price
        self.stock = stock
    }

    var json: JSONValue { ["id": .string(id), "price": .number(price), "items_in_stock": .number(stock)] }
    var description: String { "\(id.prefix(8)):\(price)/\(stock)" }
    static func < (lhs: OfferTriple, rhs: OfferTriple) -> Bool { lhs.id < rhs.id }
}

/// The offers stand-in's loopback control endpoint (`CATALOG_OFFERS_STANDIN_CONTROL`).
enum Standin {
    static var port: UInt16 {
        let url = TestStack.required("CATALOG_OFFERS_STANDIN_CONTROL")
        guard let port = URLComponents(string: url)?.port else { fatalError("no port in \(url)") }
        return UInt16(port)
    }

    /// POSTs switches; the test fails if the stand-in refuses them.
    @discardableResult
    static func control(_ changes: JSONValue) throws -> JSONValue {
        let response = try HTTP.send("POST", "/__control", headers: [("Content-Type", "application/json")],
                                     body: changes.encoded, port: port)
        try #require(response.status == 200, "stand-in control: \(response.status) \(response.text)")
        return try response.json
    }

    /// Back to the start-up switches (no latency, no faults, 5-minute tokens, drift on),
    /// once requests still sleeping out an earlier latency (abandoned by a client that
    /// timed out) are answered: they would otherwise land in the next test.
    static func reset() throws {
        try control(["reset": true])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let response = try HTTP.send("GET", "/__control", port: port)
            if response["in_flight"] == 0 { return }
            usleep(50_000)
        }
        Issue.record("the offers stand-in still has requests in flight")
    }

    /// A counter from the stand-in's stats.
    static func stat(_ name: String) throws -> Int {
        let response = try HTTP.send("GET", "/__control", port: port)
        guard case .object(let document) = try response.json, case .object(let stats)? = document["stats"],
              case .number(let value)? = stats[name], let count = Int(value)
        else { throw HTTP.Failure(description: "no stat \(name) in \(response.text)") }
        return count
    }

    /// What the service holds for a product right now (reading does not make it drift),
    /// or `nil` if it is not registered there.
    static func offers(_ uuid: String) throws -> [OfferTriple]? {
        let response = try HTTP.send("GET", "/__control/products/\(uuid)", port: port)
        if response.status == 404 { return nil }
        guard case .array(let offers)? = response["offers"] else { throw HTTP.Failure(description: response.text) }
        return offers.compactMap(OfferTriple.init).sorted()
    }

    /// Pins a product's offers (no drift) to exactly these.
    static func pin(_ uuid: String, _ offers: [OfferTriple]) throws {
        try control(["set_offers": .object(JSONObject([(uuid, .array(offers.map(\.json)))]))])
    }
}
