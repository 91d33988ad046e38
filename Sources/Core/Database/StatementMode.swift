/// How a connection sends parameterised statements (`CATALOG_DB_STATEMENTS`).
///
/// Both are one round trip per statement; they differ in what the server keeps between
/// statements, which is what a transaction-mode pooler cares about.
public enum StatementMode: String, Sendable, CaseIterable {
    /// The unnamed statement of the extended protocol (`PQexecParams`): parsed and planned
    /// on every call, nothing left on the server. Safe behind PgBouncer in transaction
    /// mode, which hands each transaction whichever server connection is free (PgBouncer
    /// 1.18, Debian 12's, does not track named prepared statements; 1.21 was the first to).
    /// The default, so that pointing `DATABASE_URL` at a pooler is all it takes.
    case unnamed
    /// Named statements prepared once per connection and cached by their SQL text
    /// (`PQprepare` + `PQexecPrepared`): saves the parse and, once the plan is cached, the
    /// planning. Only for a direct connection to PostgreSQL, or a pooler in session mode.
    case prepared
}
