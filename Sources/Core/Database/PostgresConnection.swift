import CLibPQ

/// One libpq connection, used by one thread at a time.
///
/// Statements go as `mode` says (`StatementMode`): unnamed by default, so the connection
/// may be a PgBouncer in transaction mode; prepared once per connection on request.
///
/// No session setting rides in the startup packet: PgBouncer refuses the `options`
/// parameter (`unsupported startup parameter`), and a setting made on one server
/// connection would not follow a pooled client to the next. The time zone and date style
/// the decoders rely on are set on the database by migration 0010, and the statement
/// timeout by `catalog migrate` (`DatabaseSessionDefaults`), so every connection — direct
/// or handed out by a pooler — starts with them.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    private var preparedNames: [String: String] = [:]
    public let mode: StatementMode

    /// Opens a connection. `url` is a libpq connection URI or key/value string
    /// (`postgres://user:password@host:port/db`); its own parameters take precedence over
    /// the defaults given here.
    public init(url: String, mode: StatementMode = .unnamed, connectTimeoutSeconds: Int = 3, applicationName: String = "catalog") throws(DatabaseError) {
        self.mode = mode
        let pairs: [(String, String)] = [
            ("connect_timeout", String(connectTimeoutSeconds)),
            ("application_name", applicationName),
            ("client_encoding", "UTF8"),
            ("dbname", url),
        ]
        let connection = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let connection else { throw .unavailable("out of memory allocating a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorMessage(connection)
            PQfinish(connection)
            throw .unavailable(message)
        }
        handle = connection
    }

    deinit { if let handle { PQfinish(handle) } }

    /// Whether libpq still considers the connection usable. A server that went away is
    /// only noticed on the next use, so this can be true for a dead connection.
    public var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Closes the connection; further use fails with `connectionLost`.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        preparedNames.removeAll()
    }

    /// Runs a statement with its values (`SQL`): unnamed, or prepared on first use on
    /// this connection, as the connection's `mode` says.
    @discardableResult
    public func query(_ sql: SQL) throws(DatabaseError) -> PostgresResult {
        guard mode == .prepared else { return try queryPlannedForValues(sql) }
        guard let handle else { throw .connectionLost("connection is closed") }
        try Self.requireNoNUL(sql.bindings)
        let name = try preparedName(for: sql.text, handle: handle)
        let result = withOptionalCStringArray(sql.bindings) { values in
            PQexecPrepared(handle, name, Int32(sql.bindings.count), values, nil, nil, 0)
        }
        return try check(result, handle: handle)
    }

    /// Runs a statement planned for these very values, every time: the unnamed statement
    /// of `PQexecParams`, never cached. For statements whose best plan depends on a value
    /// (a search term that matches half the table or nothing): a cached statement may
    /// switch to a generic plan, chosen once for any value.
    @discardableResult
    public func queryPlannedForValues(_ sql: SQL) throws(DatabaseError) -> PostgresResult {
        guard let handle else { throw .connectionLost("connection is closed") }
        try Self.requireNoNUL(sql.bindings)
        let result = withOptionalCStringArray(sql.bindings) { values in
            PQexecParams(handle, sql.text, Int32(sql.bindings.count), nil, values, nil, nil, 0)
        }
        return try check(result, handle: handle)
    }

    /// PostgreSQL text cannot hold NUL, and libpq would cut the value at the first one.
    private static func requireNoNUL(_ bindings: [String?]) throws(DatabaseError) {
        for text in bindings where text?.utf8.contains(0) == true {
            throw .invalidParameter("a text parameter contains NUL")
        }
    }

    /// Runs SQL text with no parameters, possibly several statements (migrations,
    /// `BEGIN`/`COMMIT`). Never use this with values from a request.
    @discardableResult
    public func execute(_ sql: String) throws(DatabaseError) -> PostgresResult {
        guard let handle else { throw .connectionLost("connection is closed") }
        return try check(PQexec(handle, sql), handle: handle)
    }

    private func preparedName(for sql: String, handle: OpaquePointer) throws(DatabaseError) -> String {
        if let name = preparedNames[sql] { return name }
        let name = "catalog_\(preparedNames.count + 1)"
        _ = try check(PQprepare(handle, name, sql, 0, nil), handle: handle)
        preparedNames[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?, handle: OpaquePointer) throws(DatabaseError) -> PostgresResult {
        guard let result else {
            throw lost(handle)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result)
        default:
            let state = Self.field(result, "C") ?? ""
            let message = Self.field(result, "M") ?? Self.errorMessage(handle)
            let constraint = Self.field(result, "n")
            PQclear(result)
            if PQstatus(handle) != CONNECTION_OK || state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" {
                throw lost(handle)
            }
            throw .server(sqlState: state, message: message, constraint: constraint)
        }
    }

    private func lost(_ handle: OpaquePointer) -> DatabaseError {
        let message = Self.errorMessage(handle)
        close()
        return .connectionLost(message)
    }

    private static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
        return String(cString: pointer)
    }

    private static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let pointer = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: pointer).trimmingCharacters(in: [" ", "\n"])
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}

/// Calls `body` with a C array of C strings that lives for the duration of the call. The
/// array has a trailing NULL entry (libpq's keyword/value arrays are NULL-terminated;
/// counted arrays ignore it).
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map(Optional.some), body)
}

private func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { pointers.forEach { free($0) } }
    return (pointers.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { body($0.baseAddress!) }
}

#if canImport(Glibc)
import Glibc
#endif
