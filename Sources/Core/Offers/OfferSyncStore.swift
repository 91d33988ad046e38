import Foundation

/// Everything the sync job reads and writes in PostgreSQL, on one connection.
///
/// An actor because the job fetches from the offers service concurrently while a
/// `PostgresConnection` serves one caller at a time: lanes await their turn here, so the
/// HTTP work overlaps and the database writes are serial (each is one short statement,
/// so one connection keeps up with many lanes). Every statement stands alone (no session
/// state), so the connection may be a PgBouncer in transaction mode; the run's exclusion
/// is the `offer_sync_lease` row (migration 0010), not a session lock.
actor OfferSyncStore {
    private let connection: PostgresConnection

    init(databaseURL: String, mode: StatementMode) throws(DatabaseError) {
        connection = try PostgresConnection(url: databaseURL, mode: mode, applicationName: "catalog-sync-offers")
    }

    /// Takes the run's lease for `seconds` if nobody holds it or its holder's lease has
    /// expired (a killed run); false if another run holds it. One statement: two runs
    /// that try at once serialise on the row, and the second sees the first's lease.
    func takeLease(holder: String, seconds: Int) throws(DatabaseError) -> Bool {
        try connection.query("""
            INSERT INTO offer_sync_lease AS l (holder, taken_at, expires_at)
            VALUES (\(holder), now(), now() + make_interval(secs => \(seconds)))
            ON CONFLICT (singleton) DO UPDATE
            SET holder = EXCLUDED.holder, taken_at = EXCLUDED.taken_at, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= now()
            RETURNING holder
            """).rowCount == 1
    }

    /// Gives the lease back (only if it is still this run's).
    func releaseLease(holder: String) {
        _ = try? connection.query("DELETE FROM offer_sync_lease WHERE holder = \(holder)")
    }

    func close() { connection.close() }

    /// The products this run works on: every registered one, every pending one, and the
    /// failed ones whose back-off has passed. Least recently checked first, so a run cut
    /// short by its deadline is continued where it matters next time.
    func workList(retryFailedAfterSeconds: Int) throws(DatabaseError) -> [SyncProduct] {
        let rows = try connection.query("""
            SELECT p.id, p.offers_uuid::text, p.offers_registration,
                   CASE WHEN p.offers_registration <> 'registered' THEN p.name END,
                   CASE WHEN p.offers_registration <> 'registered' THEN p.description END
            FROM products p LEFT JOIN product_offer_checks c ON c.product_id = p.id
            WHERE p.offers_registration <> 'failed'
               OR p.offers_registration_attempted_at IS NULL
               OR p.offers_registration_attempted_at <= now() - make_interval(secs => \(retryFailedAfterSeconds))
            ORDER BY c.offers_checked_at NULLS FIRST, p.id
            """).rows
        var products: [SyncProduct] = []
        products.reserveCapacity(rows.count)
        for row in rows {
            let (id, uuid, state, name, description) = try row.decode((Int64, String, RegistrationState, String?, String?).self)
            var details: OffersRegistration?
            if state != .registered {
                guard let name, let description else { throw .decoding("a product to register has no name or description") }
                details = OffersRegistration(uuid: uuid, name: name, description: description)
            }
            products.append(SyncProduct(id: id, uuid: uuid, registration: state, registrationDetails: details))
        }
        return products
    }

    // MARK: - The access token

    func storedToken(baseURL: String) throws(DatabaseError) -> AccessToken? {
        guard let row = try connection.query("""
            SELECT access_token, extract(epoch FROM expires_at)::float8, extract(epoch FROM obtained_at)::float8
            FROM offers_access_tokens WHERE base_url = \(baseURL)
            """).first else { return nil }
        let (value, expires, obtained) = try row.decode((String, Double, Double).self)
        return AccessToken(value: value, expiresAt: Date(timeIntervalSince1970: expires),
                           obtainedAt: Date(timeIntervalSince1970: obtained))
    }

    func saveToken(_ token: AccessToken, baseURL: String) throws(DatabaseError) {
        try connection.query("""
            INSERT INTO offers_access_tokens (base_url, access_token, expires_at, obtained_at)
            VALUES (\(baseURL), \(token.value), to_timestamp(\(String(token.expiresAt.timeIntervalSince1970))::float8),
                    to_timestamp(\(String(token.obtainedAt.timeIntervalSince1970))::float8))
            ON CONFLICT (base_url) DO UPDATE
            SET access_token = EXCLUDED.access_token, expires_at = EXCLUDED.expires_at, obtained_at = EXCLUDED.obtained_at
            """)
    }

    // MARK: - Registration state

    /// Marks the product registered and gives it its row of check times (NULL: not
    /// checked yet). The UPDATE locks the product row first, so a concurrent delete either
    /// waits or wins, and then no check row is inserted (no foreign-key error).
    func recordRegistered(productID: Int64) throws(DatabaseError) {
        try connection.query("""
            WITH registered AS (
                UPDATE products SET offers_registration = 'registered', offers_registered_at = now(),
                    offers_registration_error = NULL, offers_registration_attempts = offers_registration_attempts + 1,
                    offers_registration_attempted_at = now()
                WHERE id = \(productID)
                RETURNING id
            )
            INSERT INTO product_offer_checks (product_id) SELECT id FROM registered
            ON CONFLICT (product_id) DO NOTHING
            """)
    }

    /// A failed attempt: `rejected` (the service refused the product itself) moves it to
    /// 'failed'; anything else keeps it 'pending' for the next run.
    func recordRegistrationFailure(productID: Int64, error: String, rejected: Bool) throws(DatabaseError) {
        try connection.query("""
            UPDATE products SET offers_registration = CASE WHEN \(rejected) THEN 'failed' ELSE 'pending' END,
                offers_registration_error = \(String(error.prefix(500))), offers_registration_attempts = offers_registration_attempts + 1,
                offers_registration_attempted_at = now()
            WHERE id = \(productID)
            """)
    }

    /// The service answered 404 for a product recorded as registered (its data was lost
    /// or reset): back to 'pending' so it is registered again.
    func markUnregistered(productID: Int64) throws(DatabaseError) {
        try connection.query("""
            UPDATE products SET offers_registration = 'pending', offers_registered_at = NULL,
                offers_registration_error = 'the offers service no longer knew this product (404)'
            WHERE id = \(productID)
            """)
    }

    // MARK: - Offers

    /// Makes the stored offer set of the product equal `offers`, writing only if it
    /// differs, and records the check; one statement, hence one transaction.
    ///
    /// The stored set is compared with the service's answer (ids, prices, stock) first; a
    /// product never synced before counts as a difference (its first sync is stamped, even
    /// with no offers, so null keeps meaning "never synced"). On a difference the product
    /// row is updated (`offers_synced_at`: when the offers last changed; the update also
    /// locks it, so a concurrent `DELETE /products/{id}` either waits for this statement
    /// or wins, and then nothing is inserted), offers in the list
    /// are inserted or updated (only those that changed, so an offer's `updated_at` means
    /// "last changed") and offers not in it are deleted. Without a difference, no product
    /// or offer row is touched (not even locked): the representation and its ETag stay as
    /// they are. Either way `product_offer_checks.offers_checked_at` moves, for /metrics.
    ///
    /// On a difference the same statement appends the price history
    /// (`offer_price_events`, migrations/0009): one event per offer that appeared, changed
    /// price or stock, or disappeared, stamped with the transaction's time like
    /// `offers_synced_at`, each carrying the count and price sum of the offers in force
    /// after this write. Unchanged offers get none, and an unchanged set none at all.
    func replaceOffers(productID: Int64, offers: [RemoteOffer]) throws(DatabaseError) -> OfferWriteResult {
        let ids = offers.map(\.id)
        let row = try connection.query("""
            WITH incoming AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(offers.map(\.price))::bigint[], \(offers.map(\.itemsInStock))::integer[])
                    AS t (id, price, items_in_stock)
            ), stored AS (
                SELECT id, price, items_in_stock FROM offers WHERE product_id = \(productID)
            ), difference AS (
                SELECT EXISTS (
                    SELECT 1 FROM incoming i FULL JOIN stored s ON s.id = i.id
                    WHERE (i.id, i.price, i.items_in_stock) IS DISTINCT FROM (s.id, s.price, s.items_in_stock)
                ) OR EXISTS (SELECT 1 FROM products WHERE id = \(productID) AND offers_synced_at IS NULL) AS changed
            ), product AS (
                UPDATE products SET offers_synced_at = now()
                WHERE id = \(productID) AND (SELECT changed FROM difference)
                RETURNING id
            ), removed AS (
                DELETE FROM offers o
                WHERE o.product_id = \(productID) AND o.id <> ALL (\(ids)::uuid[]) AND EXISTS (SELECT 1 FROM product)
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
            ), recorded AS (
                INSERT INTO offer_price_events (product_id, at, offer_id, kind, price, items_in_stock,
                                                in_force_offers, in_force_price_sum)
                SELECT p.id, now(), coalesce(i.id, s.id),
                       CASE WHEN s.id IS NULL THEN 'appeared' WHEN i.id IS NULL THEN 'disappeared' ELSE 'changed' END,
                       i.price, i.items_in_stock,
                       (SELECT count(*) FROM incoming), (SELECT coalesce(sum(price), 0) FROM incoming)
                FROM incoming i FULL JOIN stored s ON s.id = i.id CROSS JOIN product p
                WHERE (i.id, i.price, i.items_in_stock) IS DISTINCT FROM (s.id, s.price, s.items_in_stock)
                RETURNING 1
            ), checked AS (
                UPDATE product_offer_checks SET offers_checked_at = now() WHERE product_id = \(productID)
            )
            SELECT (SELECT changed FROM difference), (SELECT count(*) FROM product),
                   EXISTS (SELECT 1 FROM products WHERE id = \(productID))
            """).first
        guard let row else { throw .decoding("offer replacement returned no row") }
        let (changed, productsWritten, productExists) = try row.decode((Bool, Int64, Bool).self)
        if changed {
            // A difference, and the product row was gone when the update reached it.
            return productsWritten == 0 ? .productGone : .changed
        }
        return productExists ? .unchanged : .productGone
    }
}

/// What writing one product's offers did.
enum OfferWriteResult: Sendable, Equatable {
    /// Some offer was added, changed or removed (or the product's first sync).
    case changed
    /// The stored set already matched: nothing but the check time was written.
    case unchanged
    /// The product was deleted meanwhile; nothing was written.
    case productGone
}

extension OfferSyncStore {
    /// Name and description of one product, for registering it again.
    func registrationDetails(productID: Int64) throws(DatabaseError) -> OffersRegistration? {
        guard let row = try connection.query("SELECT offers_uuid::text, name, description FROM products WHERE id = \(productID)").first else {
            return nil
        }
        let (uuid, name, description) = try row.decode((String, String, String).self)
        return OffersRegistration(uuid: uuid, name: name, description: description)
    }
}

extension OfferSyncStore {
    /// The price history's partitions: the coming days added, expired days dropped
    /// (`PriceHistoryPartitions`), on the job's connection before any write.
    func maintainPriceHistory(retentionDays: Int) throws(DatabaseError) -> PriceHistoryPartitions.Outcome {
        try PriceHistoryPartitions.maintain(connection, retentionDays: retentionDays)
    }
}
