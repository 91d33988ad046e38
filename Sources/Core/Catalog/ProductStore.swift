/// The SQL of the products module. Every statement is parameterised (`SQL`); callers
/// choose the transaction.
public enum ProductStore {
    /// Products after `after` in id order, optionally only those whose name contains the
    /// search term (case-insensitive). Fetches `limit` rows (callers pass page size + 1).
    public static func list(_ db: PostgresConnection, search: ProductSearch?, after: Int64?, limit: Int) throws(DatabaseError) -> [Product] {
        guard let search else {
            return try db.query(listSQL(after: after, limit: limit)).decode(Product.self)
        }
        // Planned for each term: whether to walk the ids or use the trigram index depends on
        // how common the term is (migrations/0008_search_lower_name.sql, 0013).
        return try db.queryPlannedForValues(searchSQL(search, after: after, limit: limit)).decode(Product.self)
    }

    static func listSQL(after: Int64?, limit: Int) -> SQL {
        """
        SELECT \(unescaped: Product.columns) FROM products p
        WHERE (\(after)::bigint IS NULL OR p.id > \(after))
        ORDER BY p.id LIMIT \(limit)
        """
    }

    /// `p.name_lower` is `lower(name)`, stored by PostgreSQL (migrations/0013), and the
    /// column the trigram index and its statistics are built on; the term is lowered by
    /// PostgreSQL too, so both sides use the same case rules.
    static func searchSQL(_ search: ProductSearch, after: Int64?, limit: Int) -> SQL {
        """
        SELECT \(unescaped: Product.columns) FROM products p
        WHERE p.id > \(after ?? 0) AND p.name_lower LIKE '%' || lower(\(escapeLike(search.term))) || '%'
        ORDER BY p.id LIMIT \(limit)
        """
    }

    /// The product with its offers, in one round trip; `nil` if there is no such product.
    /// `lock` takes a row lock (`FOR UPDATE`) for a conditional write in a transaction.
    /// `GET /products/{id}` is the hottest query: no `ORDER BY` (see below).
    public static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> (Product, [Offer])? {
        let rows = try db.query(findSQL(id: id, lock: lock)).rows
        guard let first = rows.first else { return nil }
        let product = try Product(row: first)
        var offers: [Offer] = []
        for row in rows where !row.isNull(Product.columnCount) {
            offers.append(try Offer(row: row, from: Product.columnCount))
        }
        // Offers are ordered by id here rather than by `ORDER BY o.id`: a Sort node costs
        // PostgreSQL a tuplesort set-up on every execution (about a fifth of its CPU for
        // this statement in `make bench`), for a handful of rows. Lower-case canonical
        // UUID text sorts exactly as PostgreSQL orders `uuid` values (byte by byte).
        offers.sort { $0.id < $1.id }
        return (product, offers)
    }

    /// `find`'s statement. Its offers come from an index-only scan of
    /// `offers_product_id_idx`, which carries every offer column it returns (migration 0014;
    /// `ProductByIdPlanTests` checks the plan).
    static func findSQL(id: Int64, lock: Bool) -> SQL {
        """
        SELECT \(unescaped: Product.columns), \(unescaped: Offer.columns)
        FROM products p LEFT JOIN offers o ON o.product_id = p.id
        WHERE p.id = \(id)\(unescaped: lock ? " FOR UPDATE OF p" : "")
        """
    }

    public static func insert(_ db: PostgresConnection, name: String, description: String, price: Money) throws(DatabaseError) -> Product {
        let rows = try db.query("""
            INSERT INTO products AS p (name, description, price) VALUES (\(name), \(description), \(price)::numeric)
            RETURNING \(unescaped: Product.columns)
            """).decode(Product.self)
        guard let product = rows.first else { throw .decoding("INSERT returned no row") }
        return product
    }

    /// Applies the fields that are present; `nil` when there is no such product.
    public static func update(_ db: PostgresConnection, id: Int64, with input: ProductInput) throws(DatabaseError) -> Product? {
        try db.query("""
            UPDATE products AS p SET
                name = COALESCE(\(input.name), p.name),
                description = COALESCE(\(input.description), p.description),
                price = COALESCE(\(input.price)::numeric, p.price),
                updated_at = now()
            WHERE p.id = \(id)
            RETURNING \(unescaped: Product.columns)
            """).decode(Product.self).first
    }

    /// Deletes the product (its offers go by `ON DELETE CASCADE`); false if it did not exist.
    public static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM products WHERE id = \(id)").affectedRows == 1
    }

    /// Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern.
    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
