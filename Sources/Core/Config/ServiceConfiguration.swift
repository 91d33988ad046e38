import Foundation
import Logging

/// A configuration value that is missing or invalid, named so the operator can fix it.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}

/// The service's settings, read from the environment and validated once at start-up.
///
/// Everything comes from the environment (12-factor, and what systemd's
/// `EnvironmentFile=` provides); command-line flags of `catalog serve` override the
/// process-manager settings. Every invalid value is reported, not just the first.
public struct ServiceConfiguration: Sendable {
    /// `DATABASE_URL`: libpq URI of the catalog database. Required.
    public var databaseURL: String
    /// `CATALOG_MIGRATE_DATABASE_URL`: where `catalog migrate` connects (default
    /// `DATABASE_URL`). It must reach PostgreSQL directly, never a transaction-mode pooler:
    /// migrations hold a session-level advisory lock and set session options.
    public var migrateDatabaseURL: String
    /// `DATABASE_READ_URL`: hot standbys for anonymous reads, libpq URIs separated by
    /// spaces (default none). See `ReadReplica`.
    public var databaseReadURLs: [String]
    /// `CATALOG_READ_MAX_LAG_BYTES`, `CATALOG_READ_RETRY_SECONDS`: when a replica is used.
    public var readReplicaPolicy: ReadReplicaPolicy
    /// `CATALOG_DB_STATEMENTS`: `unnamed` (default; works through PgBouncer in transaction
    /// mode) or `prepared` (direct connections only). See `StatementMode`.
    public var databaseStatements: StatementMode
    /// `CATALOG_STATEMENT_TIMEOUT_MS`: per-statement limit (default 5000), made the
    /// database's default by `catalog migrate` (see `DatabaseSessionDefaults`).
    public var statementTimeoutMilliseconds: Int
    /// `CATALOG_MAX_BODY_BYTES`: largest accepted request body (default 1 MiB, like nginx's `client_max_body_size 1m`).
    public var maxBodyBytes: Int
    /// `CATALOG_JSON_MAX_*`: how much of a body's JSON the parser reads (default
    /// `JSONParser.Limits.requestBody`; the variables are `jsonLimitSettings`).
    public var jsonLimits: JSONParser.Limits
    /// `CATALOG_LOG_FORMAT`: `logfmt` (default) or `json`.
    public var logFormat: LogFormat
    /// `CATALOG_LOG_LEVEL`: swift-log level (default `info`).
    public var logLevel: Logger.Level
    /// `CATALOG_MIGRATIONS_DIR`: where `catalog migrate` finds its SQL files (default `migrations`).
    public var migrationsDirectory: String
    /// Token signing and lifetime (`CATALOG_JWT_SECRET`, `CATALOG_TOKEN_TTL`, `CATALOG_JWT_ISSUER`).
    public var auth: AuthSettings
    /// `CATALOG_PASSWORD_SLOTS`: password hashes that may run at once across the pool
    /// (default: half the cores, at least 1). See `PasswordWork`.
    public var passwordSlots: Int
    /// `CATALOG_PASSWORD_NICE`: how much nicer than the workers a hash runs (0–19, default 10).
    public var passwordNice: Int
    /// `CATALOG_CACHE_MAX_AGE` and `CATALOG_CACHE_MAX_STALE`: how long nginx may serve
    /// anonymous public reads from its cache (see `ResponseCachePolicy`).
    public var responseCache: ResponseCachePolicy

    /// Half the cores, at least one: a hash is pure CPU, so this keeps at least half of
    /// the machine for everything else even when every slot is busy.
    public static var defaultPasswordSlots: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }
    public static let defaultPasswordNice = 10

    /// Settings for tests and tools. Without an explicit `auth`, tokens are signed with a
    /// random per-process secret: they work within this process and nowhere else.
    public init(
        databaseURL: String,
        migrateDatabaseURL: String? = nil,
        databaseReadURLs: [String] = [],
        readReplicaPolicy: ReadReplicaPolicy = ReadReplicaPolicy(),
        databaseStatements: StatementMode = .unnamed,
        statementTimeoutMilliseconds: Int = 5000,
        maxBodyBytes: Int = 1 << 20,
        jsonLimits: JSONParser.Limits = .requestBody,
        logFormat: LogFormat = .logfmt,
        logLevel: Logger.Level = .info,
        migrationsDirectory: String = "migrations",
        auth: AuthSettings = AuthSettings(secret: SecureRandom.bytes(32)),
        passwordSlots: Int = ServiceConfiguration.defaultPasswordSlots,
        passwordNice: Int = ServiceConfiguration.defaultPasswordNice,
        responseCache: ResponseCachePolicy = ResponseCachePolicy()
    ) {
        self.responseCache = responseCache
        self.auth = auth
        self.passwordSlots = passwordSlots
        self.passwordNice = passwordNice
        self.databaseURL = databaseURL
        self.migrateDatabaseURL = migrateDatabaseURL ?? databaseURL
        self.databaseReadURLs = databaseReadURLs
        self.readReplicaPolicy = readReplicaPolicy
        self.databaseStatements = databaseStatements
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.maxBodyBytes = maxBodyBytes
        self.jsonLimits = jsonLimits
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.migrationsDirectory = migrationsDirectory
    }

    /// Reads and validates the environment; throws every problem found.
    ///
    /// `requireTokenSecret` is false for the command-line tools (`migrate`, `admin`, …),
    /// which never sign or check tokens and so need no secret.
    public init(environment: [String: String], requireTokenSecret: Bool = true) throws(ConfigurationErrors) {
        var reader = EnvironmentReader(environment)
        let databaseURL = reader.required("DATABASE_URL", hint: "e.g. postgres://catalog:PASSWORD@127.0.0.1:5432/catalog")
        let migrateURL = reader.value("CATALOG_MIGRATE_DATABASE_URL")
        let statements = reader.choice("CATALOG_DB_STATEMENTS", default: StatementMode.unnamed)
        let readURLs = (reader.value("DATABASE_READ_URL") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        let maxLag = reader.integer("CATALOG_READ_MAX_LAG_BYTES", default: 1 << 20, range: 0...(1 << 40))
        let retry = reader.integer("CATALOG_READ_RETRY_SECONDS", default: 5, range: 1...3600)
        let timeout = reader.integer("CATALOG_STATEMENT_TIMEOUT_MS", default: 5000, range: 100...600_000)
        let maxBody = reader.integer("CATALOG_MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20))
        let jsonLimits = Self.jsonLimits(&reader)
        let format = reader.choice("CATALOG_LOG_FORMAT", default: LogFormat.logfmt)
        let level = reader.choice("CATALOG_LOG_LEVEL", default: Logger.Level.info)
        let migrations = environment["CATALOG_MIGRATIONS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "migrations"
        var secret = Array((reader.value("CATALOG_JWT_SECRET") ?? "").utf8)
        if secret.isEmpty, !requireTokenSecret {
            secret = SecureRandom.bytes(AuthSettings.minimumSecretBytes)
        } else if secret.count < AuthSettings.minimumSecretBytes {
            reader.fail("CATALOG_JWT_SECRET", secret.isEmpty
                ? "is required: at least \(AuthSettings.minimumSecretBytes) random bytes, e.g. `openssl rand -hex 32`"
                : "is too short (\(secret.count) bytes): use at least \(AuthSettings.minimumSecretBytes), e.g. `openssl rand -hex 32`")
        }
        let ttl = reader.integer("CATALOG_TOKEN_TTL", default: 900, range: 60...86_400)
        let issuer = reader.value("CATALOG_JWT_ISSUER") ?? "catalog"
        let passwordSlots = reader.integer("CATALOG_PASSWORD_SLOTS", default: Self.defaultPasswordSlots, range: 1...64)
        let passwordNice = reader.integer("CATALOG_PASSWORD_NICE", default: Self.defaultPasswordNice, range: 0...19)
        let responseCache = Self.responseCache(&reader)
        try reader.finish()
        self.init(databaseURL: databaseURL, migrateDatabaseURL: migrateURL, databaseReadURLs: readURLs,
                  readReplicaPolicy: ReadReplicaPolicy(maxLagBytes: Int64(maxLag), retrySeconds: Double(retry)),
                  databaseStatements: statements,
                  statementTimeoutMilliseconds: timeout, maxBodyBytes: maxBody,
                  jsonLimits: jsonLimits, logFormat: format, logLevel: level, migrationsDirectory: migrations,
                  auth: AuthSettings(secret: secret, tokenLifetimeSeconds: ttl, issuer: issuer),
                  passwordSlots: passwordSlots, passwordNice: passwordNice, responseCache: responseCache)
    }
}

/// All the configuration problems found at once.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigurationError]
    public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// Typed reads of environment variables that collect errors instead of stopping at the first.
public struct EnvironmentReader {
    private let environment: [String: String]
    public private(set) var errors: [ConfigurationError] = []

    public init(_ environment: [String: String]) { self.environment = environment }

    public func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    public mutating func required(_ name: String, hint: String) -> String {
        guard let value = value(name) else {
            errors.append(ConfigurationError(variable: name, problem: "is required (\(hint))"))
            return ""
        }
        return value
    }

    public mutating func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            errors.append(ConfigurationError(variable: name, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""))
            return defaultValue
        }
        return number
    }

    public mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: T) -> T where T.RawValue == String {
        guard let text = value(name) else { return defaultValue }
        guard let choice = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            errors.append(ConfigurationError(variable: name, problem: "must be one of \(allowed), got \"\(text)\""))
            return defaultValue
        }
        return choice
    }

    public mutating func fail(_ name: String, _ problem: String) {
        errors.append(ConfigurationError(variable: name, problem: problem))
    }

    public func finish() throws(ConfigurationErrors) {
        if !errors.isEmpty { throw ConfigurationErrors(errors: errors) }
    }
}
