import Foundation

/// How the offer-sync job reaches the external offers service, read from the environment.
///
/// The same environment file serves the web service and the job (systemd `EnvironmentFile=`),
/// but only the job reads these variables: the web workers never call the offers service.
/// Every problem is reported at once, naming the variable, so an operator fixes the file in
/// one go; `catalog sync-offers` exits 78 (EX_CONFIG) on any of them.
public struct OffersConfiguration: Sendable, Equatable {
    /// `OFFERS_BASE_URL`: `http(s)://host[:port][/path]`, without a trailing slash
    /// (`https://offers.example.com/api/v1`). Calls go to `{base}/auth` and so on.
    public var baseURL: URL
    /// `OFFERS_REFRESH_TOKEN`, or the first line of the file named by
    /// `OFFERS_REFRESH_TOKEN_FILE` (for secrets kept out of the shared environment file).
    public var refreshToken: String
    /// `OFFERS_TIMEOUT_SECONDS`: limit for each call to the service, start to last byte
    /// (default 10; decimals allowed, 0.1 to 120).
    public var requestTimeout: Double
    /// `OFFERS_SYNC_CONCURRENCY`: calls in flight at once (default 8; `--concurrency` wins).
    public var concurrency: Int
    /// `OFFERS_MAX_CONSECUTIVE_FAILURES`: after this many service failures in a row
    /// (timeouts, 5xx, garbage) the run stops starting new products, so a dead service
    /// costs seconds, not `products × timeout` (default 20).
    public var maxConsecutiveFailures: Int
    /// `OFFERS_SYNC_DEADLINE_SECONDS`: the run starts no new product after this long, so a
    /// slow service cannot make one run last for hours; the products left over come first
    /// next time (default 240).
    public var runDeadline: Double
    /// `OFFERS_REGISTRATION_RETRY_SECONDS`: how long a product the service rejected
    /// ('failed') waits before it is tried again (default 3600).
    public var registrationRetryInterval: Int
    /// `CATALOG_PRICE_HISTORY_RETENTION_DAYS` (see `PriceHistoryRetention`): days of price
    /// history the job keeps.
    public var historyRetentionDays: Int

    public static let defaultConcurrency = 8
    public static let concurrencyRange = 1...64

    public init(baseURL: URL, refreshToken: String, requestTimeout: Double = 10, concurrency: Int = defaultConcurrency,
                maxConsecutiveFailures: Int = 20, runDeadline: Double = 240, registrationRetryInterval: Int = 3600,
                historyRetentionDays: Int = PriceHistoryRetention.defaultDays) {
        self.baseURL = baseURL
        self.refreshToken = refreshToken
        self.requestTimeout = requestTimeout
        self.concurrency = concurrency
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.runDeadline = runDeadline
        self.registrationRetryInterval = registrationRetryInterval
        self.historyRetentionDays = historyRetentionDays
    }

    /// Reads and validates the environment; throws every problem found.
    /// `readFile` is injectable so tests need no files.
    public init(environment: [String: String],
                readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) throws(ConfigurationErrors) {
        var reader = EnvironmentReader(environment)
        let base = Self.baseURL(reader.required("OFFERS_BASE_URL", hint: "the offers service, e.g. https://offers.example.com/api/v1"), reader: &reader)
        let token = Self.refreshToken(reader: &reader, readFile: readFile)
        let timeout = Self.seconds("OFFERS_TIMEOUT_SECONDS", default: 10, range: 0.1...120, reader: &reader)
        let concurrency = reader.integer("OFFERS_SYNC_CONCURRENCY", default: Self.defaultConcurrency, range: Self.concurrencyRange)
        let breaker = reader.integer("OFFERS_MAX_CONSECUTIVE_FAILURES", default: 20, range: 1...100_000)
        let deadline = Self.seconds("OFFERS_SYNC_DEADLINE_SECONDS", default: 240, range: 1...86_400, reader: &reader)
        let retry = reader.integer("OFFERS_REGISTRATION_RETRY_SECONDS", default: 3600, range: 0...604_800)
        let retention = PriceHistoryRetention.days(&reader)
        try reader.finish()
        self.init(baseURL: base ?? URL(string: "http://invalid")!, refreshToken: token, requestTimeout: timeout,
                  concurrency: concurrency, maxConsecutiveFailures: breaker, runDeadline: deadline,
                  registrationRetryInterval: retry, historyRetentionDays: retention)
    }

    private static func baseURL(_ text: String, reader: inout EnvironmentReader) -> URL? {
        guard !text.isEmpty else { return nil }  // already reported as missing
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil, components.user == nil, components.password == nil,
              let url = components.url
        else {
            reader.fail("OFFERS_BASE_URL", "must be an http:// or https:// URL with a host and no query, fragment or credentials, got \"\(text)\"")
            return nil
        }
        return url
    }

    private static func refreshToken(reader: inout EnvironmentReader, readFile: (String) throws -> String) -> String {
        let inline = reader.value("OFFERS_REFRESH_TOKEN")
        let path = reader.value("OFFERS_REFRESH_TOKEN_FILE")
        let token: String
        let source: String
        switch (inline, path) {
        case (nil, nil):
            reader.fail("OFFERS_REFRESH_TOKEN", "is required (the offers service's refresh token), or set OFFERS_REFRESH_TOKEN_FILE to a file holding it")
            return ""
        case (.some, .some):
            reader.fail("OFFERS_REFRESH_TOKEN", "and OFFERS_REFRESH_TOKEN_FILE are both set; set only one")
            return ""
        case (let value?, nil):
            token = value
            source = "OFFERS_REFRESH_TOKEN"
        case (nil, let file?):
            source = "OFFERS_REFRESH_TOKEN_FILE"
            do {
                let contents = try readFile(file)
                token = String(contents.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                reader.fail(source, "cannot read \(file) (missing, or not readable by this user)")
                return ""
            }
            if token.isEmpty {
                reader.fail(source, "\(file) is empty")
                return ""
            }
        }
        // It travels as an HTTP header value: no control characters (header injection) or spaces at the ends.
        if token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || token != token.trimmingCharacters(in: .whitespaces) {
            reader.fail(source, "must be one line of printable characters without surrounding spaces")
            return ""
        }
        return token
    }

    private static func seconds(_ name: String, default defaultValue: Double, range: ClosedRange<Double>, reader: inout EnvironmentReader) -> Double {
        guard let text = reader.value(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            reader.fail(name, "must be a number of seconds from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            return defaultValue
        }
        return value
    }

    /// `{base}/` + `path` (path without a leading slash).
    func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + "/" + path)!
    }
}
