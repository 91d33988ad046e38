import Foundation

/// Everything the sync job reads and writes in PostgreSQL, on one connection.
///
/// An actor because the job fetches from the offers service concurrently while a
/// `PostgresConnection` serves one caller at a time: lanes await their turn here, so the
/// HTTP work overlaps and the database writes are serial (each is one short statement,
/// so one connection keeps up with many lanes). The same connection holds the run's
/// advisory lock: if the process dies, PostgreSQL drops the lock with the connection.
actor OfferSyncStore {
    private let connection: PostgresConnection

    init(databaseURL: String, statementTimeoutMilliseconds: Int) throws(DatabaseError) {
        connection = try PostgresConnection(url: databaseURL, statementTimeoutMilliseconds: statementTimeoutMilliseconds,
                                            applicationName: "catalog-sync-offers")
    }

    /// Takes the run's session-level advisory lock without waiting; false if another
    /// session holds it.
    func tryLock(key: Int64) throws(DatabaseError) -> Bool {
        try connection.query("SELECT pg_try_advisory_lock($1)", [key]).first?.bool(0) ?? false
    }

    func unlock(key: Int64) {
        _ = try? connection.query("SELECT pg_advisory_unlock($1)", [key])
    }

    func close() { connection.close() }

    /// The products this run works on: every registered one, every pending one, and the
    /// failed ones whose back-off has passed. Least recently synced first, so a run cut
    /// short by its deadline is continued where it matters next time.
    func workList(retryFailedAfterSeconds: Int) throws(DatabaseError) -> [SyncProduct] {
        let rows = try connection.query("""
            SELECT id, offers_uuid::text, offers_registration,
                   CASE WHEN offers_registration <> 'registered' THEN name END,
                   CASE WHEN offers_registration <> 'registered' THEN description END
            FROM products
            WHERE offers_registration <> 'failed'
               OR offers_registration_attempted_at IS NULL
               OR offers_registration_attempted_at <= now() - make_interval(secs => $1)
            ORDER BY offers_synced_at NULLS FIRST, id
            """, [retryFailedAfterSeconds]).rows
        var products: [SyncProduct] = []
        products.reserveCapacity(rows.count)
        for row in rows {
            let uuid = try row.string(1)
            guard let state = RegistrationState(rawValue: try row.string(2)) else {
                throw .decoding("products.offers_registration has an unknown value")
            }
            let details = state == .registered ? nil
                : OffersRegistration(uuid: uuid, name: try row.string(3), description: try row.string(4))
            products.append(SyncProduct(id: try row.int64(0), uuid: uuid, registration: state, registrationDetails: details))
        }
        return products
    }

    // MARK: - The access token

    func storedToken(baseURL: String) throws(DatabaseError) -> AccessToken? {
        guard let row = try connection.query("""
            SELECT access_token, extract(epoch FROM expires_at)::float8, extract(epoch FROM obtained_at)::float8
            FROM offers_access_tokens WHERE base_url = $1
            """, [baseURL]).first else { return nil }
        guard let expires = Double(try row.string(1)), let obtained = Double(try row.string(2)) else {
            throw .decoding("offers_access_tokens: bad timestamps")
        }
        return AccessToken(value: try row.string(0), expiresAt: Date(timeIntervalSince1970: expires),
                           obtainedAt: Date(timeIntervalSince1970: obtained))
    }

    func saveToken(_ token: AccessToken, baseURL: String) throws(DatabaseError) {
        try connection.query("""
            INSERT INTO offers_access_tokens (base_url, access_token, expires_at, obtained_at)
            VALUES ($1, $2, to_timestamp($3::float8), to_timestamp($4::float8))
            ON CONFLICT (base_url) DO UPDATE
            SET access_token = EXCLUDED.access_token, expires_at = EXCLUDED.expires_at, obtained_at = EXCLUDED.obtained_at
            """, [baseURL, token.value, String(token.expiresAt.timeIntervalSince1970), String(token.obtainedAt.timeIntervalSince1970)])
    }

    // MARK: - Registration state

    func recordRegistered(productID: Int64) throws(DatabaseError) {
        try connection.query("""
            UPDATE products SET offers_registration = 'registered', offers_registered_at = now(),
                offers_registration_error = NULL, offers_registration_attempts = offers_registration_attempts + 1,
                offers_registration_attempted_at = now()
            WHERE id = $1
            """, [productID])
    }

    /// A failed attempt: `rejected` (the service refused the product itself) moves it to
    /// 'failed'; anything else keeps it 'pending' for the next run.
    func recordRegistrationFailure(productID: Int64, error: String, rejected: Bool) throws(DatabaseError) {
        try connection.query("""
            UPDATE products SET offers_registration = CASE WHEN $3 THEN 'failed' ELSE 'pending' END,
                offers_registration_error = $2, offers_registration_attempts = offers_registration_attempts + 1,
                offers_registration_attempted_at = now()
            WHERE id = $1
            """, [productID, String(error.prefix(500)), rejected])
    }

    /// The service answered 404 for a product recorded as registered (its data was lost
    /// or reset): back to 'pending' so it is registered again.
    func markUnregistered(productID: Int64) throws(DatabaseError) {
        try connection.query("""
            UPDATE products SET offers_registration = 'pending', offers_registered_at = NULL,
                offers_registration_error = 'the offers service no longer knew this product (404)'
            WHERE id = $1
            """, [productID])
    }

    // MARK: - Offers

    /// Replaces the product's offer set with `offers` and stamps `offers_synced_at`, in
    /// one statement, hence one transaction: offers in the list are inserted or updated
    /// (only when something changed, so `updated_at` means "last changed"), offers not in
    /// it are deleted. The product row is updated first, which locks it: a concurrent
    /// `DELETE /products/{id}` either waits for this statement or wins, and then nothing
    /// is inserted (no foreign-key error).
    func replaceOffers(productID: Int64, offers: [RemoteOffer]) throws(DatabaseError) -> OfferWriteResult {
        let ids = "{" + offers.map(\.id).joined(separator: ",") + "}"
        let prices = "{" + offers.map { String($0.price) }.joined(separator: ",") + "}"
        let stocks = "{" + offers.map { String($0.itemsInStock) }.joined(separator: ",") + "}"
        let row = try connection.query("""
            WITH product AS (
                UPDATE products SET offers_synced_at = now() WHERE id = $1 RETURNING id
            ), incoming AS (
                SELECT * FROM unnest($2::uuid[], $3::bigint[], $4::integer[]) AS t (id, price, items_in_stock)
            ), removed AS (
                DELETE FROM offers o
                WHERE o.product_id = $1 AND o.id <> ALL ($2::uuid[]) AND EXISTS (SELECT 1 FROM product)
                RETURNING 1
            ), written AS (
                INSERT INTO offers AS o (id, product_id, price, items_in_stock)
                SELECT i.id, p.id, i.price, i.items_in_stock FROM incoming i CROSS JOIN product p
                ON CONFLICT (id) DO UPDATE
                SET product_id = EXCLUDED.product_id, price = EXCLUDED.price,
                    items_in_stock = EXCLUDED.items_in_stock, updated_at = now()
                WHERE (o.product_id, o.price, o.items_in_stock)
                      IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.price, EXCLUDED.items_in_stock)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM product), (SELECT count(*) FROM removed), (SELECT count(*) FROM written)
            """, [productID, ids, prices, stocks]).first
        guard let row else { throw .decoding("offer replacement returned no row") }
        if try row.int64(0) == 0 { return .productGone }
        return try row.int64(1) + row.int64(2) > 0 ? .changed : .unchanged
    }
}

/// What writing one product's offers did.
enum OfferWriteResult: Sendable, Equatable {
    /// Some offer was added, changed or removed.
    case changed
    /// The stored set already matched; only `offers_synced_at` moved.
    case unchanged
    /// The product was deleted meanwhile; nothing was written.
    case productGone
}

extension OfferSyncStore {
    /// Name and description of one product, for registering it again.
    func registrationDetails(productID: Int64) throws(DatabaseError) -> OffersRegistration? {
        guard let row = try connection.query("SELECT offers_uuid::text, name, description FROM products WHERE id = $1", [productID]).first else {
            return nil
        }
        return OffersRegistration(uuid: try row.string(0), name: try row.string(1), description: try row.string(2))
    }
}
