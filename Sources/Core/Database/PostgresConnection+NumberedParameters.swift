extension PostgresConnection {
    /// The older form, hand-numbered `$n` with a parallel array of values: kept for the
    /// price history's `points` only, until it is written as `SQL` like every other
    /// statement (`SQLStyleTests` holds the list of what may still use it).
    @available(*, deprecated, message: "write the values in place: query(\"… \\(value) …\")")
    @discardableResult
    func query(_ sql: String, _ parameters: [any PostgresEncodable]) throws(DatabaseError) -> PostgresResult {
        try query(SQL(text: sql, bindings: parameters.map(\.postgresText)))
    }
}
