/// Failures of the PostgreSQL layer, as typed values.
///
/// The messages may contain server text (constraint names, SQL fragments): they are for
/// the log only. `APIError(_:)` decides what a client sees.
public enum DatabaseError: Error, Sendable, Equatable {
    /// No connection could be opened (server down, refused, bad credentials, timeout).
    case unavailable(String)
    /// An open connection broke while in use. Whether the statement ran is unknown.
    case connectionLost(String)
    /// The server rejected a statement.
    case server(sqlState: String, message: String, constraint: String?)
    /// A value could not be decoded from a result column.
    case decoding(String)
    /// A parameter cannot be sent (a text value holding NUL, which PostgreSQL text cannot store).
    case invalidParameter(String)

    /// SQLSTATE classes and codes the service reacts to.
    public enum SQLState {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let checkViolation = "23514"
        public static let queryCanceled = "57014"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
    }

    public var sqlState: String? {
        if case .server(let state, _, _) = self { return state }
        return nil
    }

    public var constraint: String? {
        if case .server(_, _, let constraint) = self { return constraint }
        return nil
    }

    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
}

extension APIError {
    /// What a client is told about a database failure that no handler translated itself.
    ///
    /// Unavailability becomes 503 with `Retry-After` (the client may retry; nginx logs it);
    /// a statement timeout also becomes 503, since the service is overloaded rather than
    /// the request wrong; a unique violation becomes a generic 409. Everything else is a
    /// 500 whose details stay in the log.
    public init(_ error: DatabaseError) {
        switch error {
        case .unavailable, .connectionLost:
            self = .serviceUnavailable("The database is unavailable. Retry shortly.", retryAfter: 2)
        case .server(let state, _, _) where state == DatabaseError.SQLState.queryCanceled:
            self = .serviceUnavailable("The database did not answer in time. Retry shortly.", retryAfter: 2)
        case .server(let state, _, _) where state == DatabaseError.SQLState.uniqueViolation:
            self = .conflict("A resource with the same unique value already exists.")
        case .server(let state, _, _) where state == DatabaseError.SQLState.serializationFailure || state == DatabaseError.SQLState.deadlockDetected:
            self = .serviceUnavailable("A concurrent change conflicted with this request. Retry it.", retryAfter: 1)
        case .server, .decoding, .invalidParameter:
            self = .internalError
        }
    }
}
