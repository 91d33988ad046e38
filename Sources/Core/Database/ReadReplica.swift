/// One hot standby that may answer anonymous reads (`DATABASE_READ_URL`), as a worker
/// sees it: its own lazily opened connection and what the last look at it found.
///
/// A replica is used only while it is fresh: the WAL it has received but not yet replayed
/// is at most `maxLagBytes` (judged by WAL positions, not by replay time, which grows on
/// an idle primary with nothing to replay). A replica that is down is skipped for
/// `retrySeconds`; one that lags is looked at again after `checkSeconds`. Skipping never
/// fails a request: the read goes to the next replica or to the primary.
public final class ReadReplica {
    /// What the last look found.
    public enum State: String, Sendable {
        case unknown, up, lagging, down
        /// Still in recovery? A standby that was promoted is no longer a replica of ours.
        case notAStandby = "not_a_standby"
    }

    public let name: String
    public let url: String
    public private(set) var state: State = .unknown
    /// WAL received but not replayed, in bytes, at the last look.
    public private(set) var lagBytes: Int64 = 0
    /// Reads this worker sent to the replica, and those that fell back to the primary.
    public private(set) var reads = 0
    public private(set) var fallbacks = 0
    private var connection: PostgresConnection?
    private var nextLook: Double = 0
    private let mode: StatementMode

    init(name: String, url: String, mode: StatementMode) {
        self.name = name
        self.url = url
        self.mode = mode
    }

    /// Runs `body` on the replica if it is fresh (looking again when its time has come);
    /// `nil` if it is not to be used now or a database error stopped it (the caller reads
    /// from the primary). Other errors (the handler's own) are the answer and pass through.
    func read<T>(at now: Double, policy: ReadReplicaPolicy, _ body: (PostgresConnection) throws -> T) throws -> T? {
        if now >= nextLook { look(at: now, policy: policy) }
        guard state == .up, let connection else { return nil }
        do {
            let value = try body(connection)
            reads += 1
            return value
        } catch is DatabaseError {
            // Down, cancelled by a recovery conflict, anything of the database's: the
            // primary answers instead, and a broken connection is not tried for a while.
            fallbacks += 1
            if !connection.isOpen { markDown(at: now, policy: policy) }
            return nil
        }
    }

    /// Connects if needed and reads the replica's WAL positions.
    @discardableResult
    func look(at now: Double, policy: ReadReplicaPolicy) -> State {
        do {
            let open: PostgresConnection
            if let connection, connection.isOpen { open = connection } else {
                open = try PostgresConnection(url: url, mode: mode, connectTimeoutSeconds: policy.connectTimeoutSeconds,
                                              applicationName: "catalog-replica-read")
                connection = open
            }
            let row = try open.query("""
                SELECT pg_is_in_recovery(),
                       coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint
                """).first
            let (inRecovery, lag) = try row?.decode((Bool, Int64).self) ?? (false, Int64(0))
            lagBytes = lag
            state = !inRecovery ? .notAStandby : lagBytes > policy.maxLagBytes ? .lagging : .up
            nextLook = now + (state == .up || state == .lagging ? policy.checkSeconds : policy.retrySeconds)
        } catch {
            markDown(at: now, policy: policy)
        }
        return state
    }

    private func markDown(at now: Double, policy: ReadReplicaPolicy) {
        connection?.close()
        connection = nil
        state = .down
        nextLook = now + policy.retrySeconds
    }

    func disconnect() {
        connection?.close()
        connection = nil
        state = .unknown
        nextLook = 0
    }
}

/// How replicas are judged (`CATALOG_READ_*`).
public struct ReadReplicaPolicy: Sendable, Equatable {
    /// `CATALOG_READ_MAX_LAG_BYTES`: most WAL received but not replayed (default 1 MiB).
    public var maxLagBytes: Int64
    /// How often a fresh or lagging replica's WAL positions are read again (seconds).
    public var checkSeconds: Double
    /// `CATALOG_READ_RETRY_SECONDS`: how long a replica that is down is skipped (default 5).
    public var retrySeconds: Double
    public var connectTimeoutSeconds: Int

    public init(maxLagBytes: Int64 = 1 << 20, checkSeconds: Double = 1, retrySeconds: Double = 5, connectTimeoutSeconds: Int = 2) {
        self.maxLagBytes = maxLagBytes
        self.checkSeconds = checkSeconds
        self.retrySeconds = retrySeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }
}
