import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A worker's database: one lazily opened connection, reopened when it breaks.
///
/// Each pre-forked worker owns exactly one of these, so the worker count bounds the number
/// of PostgreSQL connections (README, "Rules of the house"). Reads are retried once on a fresh connection when
/// the old one turns out to be dead (a restart of PostgreSQL, an idle timeout in a pooler):
/// that is safe because reads change nothing. Writes are never retried after their first
/// statement was sent, because a write that reached the server before the connection broke
/// may have committed; only a `BEGIN` that failed is retried, as nothing ran yet.
///
/// Nothing here keeps session state between transactions (no `SET`, no session locks, no
/// named statements in `.unnamed` mode), so the connection may be a PgBouncer in
/// transaction mode that hands each transaction a different server connection.
public final class Database {
    public let url: String
    public let mode: StatementMode
    /// A statement timeout for this caller's transactions that differs from the
    /// database's default (`catalog admin` and `cleanup-loadtest` allow longer), set with
    /// `SET LOCAL` in the `BEGIN` round trip, so it ends with the transaction; `nil` keeps
    /// the database's default (`CATALOG_STATEMENT_TIMEOUT_MS`, see `DatabaseSessionDefaults`).
    public let transactionTimeoutMilliseconds: Int?
    private var connection: PostgresConnection?
    private let logger: Logger
    /// How many times a broken connection was replaced (exposed for metrics).
    public private(set) var reconnects = 0
    /// Hot standbys for anonymous reads (`DATABASE_READ_URL`), tried in order.
    public let replicas: [ReadReplica]
    public let replicaPolicy: ReadReplicaPolicy
    /// Whether `read` may go to a replica: set by the service for the length of one
    /// anonymous read request only. Signed-in callers (who must read their own writes),
    /// writes and every transaction go to the primary.
    public var replicaReadsAllowed = false

    public init(url: String, mode: StatementMode = .unnamed, transactionTimeoutMilliseconds: Int? = nil,
                replicaURLs: [String] = [], replicaPolicy: ReadReplicaPolicy = ReadReplicaPolicy(), logger: Logger) {
        self.url = url
        self.mode = mode
        self.transactionTimeoutMilliseconds = transactionTimeoutMilliseconds
        self.replicaPolicy = replicaPolicy
        replicas = replicaURLs.enumerated().map { ReadReplica(name: "replica\($0.offset + 1)", url: $0.element, mode: mode) }
        self.logger = logger
    }

    /// Runs `body` with `replicaReadsAllowed` set as given, restoring it after.
    public func routingReads<T>(toReplicas allowed: Bool, _ body: () throws -> T) rethrows -> T {
        let before = replicaReadsAllowed
        replicaReadsAllowed = allowed && !replicas.isEmpty
        defer { replicaReadsAllowed = before }
        return try body()
    }

    /// The open connection, opening it on first use.
    public func connect() throws(DatabaseError) -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        if connection != nil {
            reconnects += 1
            logger.warning("database connection was closed; reconnecting")
        }
        connection = nil
        let fresh = try PostgresConnection(url: url, mode: mode)
        connection = fresh
        return fresh
    }

    /// Drops the connections (after fork, or when a caller knows they are unusable).
    public func disconnect() {
        connection?.close()
        connection = nil
        replicas.forEach { $0.disconnect() }
    }

    /// Runs an idempotent read, retrying once on a fresh connection if the connection was
    /// lost. During an anonymous read request (`replicaReadsAllowed`) a fresh replica
    /// answers if there is one; if none is fresh or it fails, the primary does.
    public func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if replicaReadsAllowed {
            let now = Self.monotonicSeconds()
            for replica in replicas {
                if let value = try replica.read(at: now, policy: replicaPolicy, body) { return value }
            }
        }
        return try readOnPrimary(body)
    }

    /// Looks at every replica now (for /readyz and /metrics).
    public func lookAtReplicas() {
        let now = Self.monotonicSeconds()
        for replica in replicas { replica.look(at: now, policy: replicaPolicy) }
    }

    private func readOnPrimary<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try body(try connect())
        } catch DatabaseError.connectionLost(let message) {
            logger.warning("database connection lost during a read; retrying once", metadata: ["error": "\(message)"])
            reconnects += 1
            connection = nil
            return try body(try connect())
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Runs `body` in a transaction (always on the primary): committed if it returns,
    /// rolled back if it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try beginTransaction()
        let value: T
        do {
            value = try body(connection)
        } catch {
            if connection.isOpen { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
        try connection.execute("COMMIT")
        return value
    }

    private func beginTransaction() throws -> PostgresConnection {
        // One simple-protocol round trip; the timeout is an integer of ours, never a request's.
        var begin = "BEGIN"
        if let timeout = transactionTimeoutMilliseconds { begin += "; SET LOCAL statement_timeout = \(timeout)" }
        do {
            let connection = try connect()
            try connection.execute(begin)
            return connection
        } catch DatabaseError.connectionLost {
            reconnects += 1
            self.connection = nil
            let connection = try connect()
            try connection.execute(begin)
            return connection
        }
    }
}
