/// The SQL of the products module. Every statement is parameterised and prepared once
/// per connection; callers choose the transaction.
public enum ProductStore {
    /// Products after `after` in id order, optionally only those whose name contains the
    /// search term (case-insensitive). Fetches `limit` rows (callers pass page size + 1).
    public static func list(_ db: PostgresConnection, search: ProductSearch?, after: Int64?, limit: Int) throws(DatabaseError) -> [Product] {
        guard let search else {
            return try db.query(listSQL, [after, limit]).decode(Product.self)
        }
        // Planned for each term: whether to walk the ids or use the trigram index depends on
        // how common the term is (migrations/0008_search_lower_name.sql).
        return try db.queryPlannedForValues(searchSQL, [after ?? 0, escapeLike(search.term), limit]).decode(Product.self)
    }

    static let listSQL = """
        SELECT \(Product.columns) FROM products p
        WHERE ($1::bigint IS NULL OR p.id > $1)
        ORDER BY p.id LIMIT $2
        """

    /// `lower(p.name)` is the expression the trigram index and its statistics are built on;
    /// the term is lowered by PostgreSQL too, so both sides use the same case rules.
    static let searchSQL = """
        SELECT \(Product.columns) FROM products p
        WHERE p.id > $1 AND lower(p.name) LIKE '%' || lower($2) || '%'
        ORDER BY p.id LIMIT $3
        """

    /// The product with its offers, in one round trip; `nil` if there is no such product.
    /// `lock` takes a row lock (`FOR UPDATE`) for a conditional write in a transaction.
    public static func find(_ db: PostgresConnection, id: Int64, lock: Bool = false) throws(DatabaseError) -> (Product, [Offer])? {
        let rows = try db.query(lock ? findForUpdateSQL : findSQL, [id]).rows
        guard let first = rows.first else { return nil }
        let product = try Product(row: first)
        var offers: [Offer] = []
        for row in rows where !row.isNull(7) {
            offers.append(Offer(id: try row.string(7), price: try row.int64(8), itemsInStock: try row.int64(9), updatedAt: try row.timestamp(10)))
        }
        // Offers are ordered by id here rather than by `ORDER BY o.id`: a Sort node costs
        // PostgreSQL a tuplesort set-up on every execution (about a fifth of its CPU for
        // this statement in `make bench`), for a handful of rows. Lower-case canonical
        // UUID text sorts exactly as PostgreSQL orders `uuid` values (byte by byte).
        offers.sort { $0.id < $1.id }
        return (product, offers)
    }

    /// Built once: `GET /products/{id}` is the hottest query, and the statement cache is
    /// keyed by this text. No `ORDER BY`: see `find`.
    private static let findSQL = """
        SELECT \(Product.columns), o.id, o.price, o.items_in_stock, o.updated_at
        FROM products p LEFT JOIN offers o ON o.product_id = p.id
        WHERE p.id = $1
        """
    private static let findForUpdateSQL = findSQL + " FOR UPDATE OF p"

    public static func insert(_ db: PostgresConnection, name: String, description: String, price: Money) throws(DatabaseError) -> Product {
        let rows = try db.query("""
            INSERT INTO products AS p (name, description, price) VALUES ($1, $2, $3::numeric)
            RETURNING \(Product.columns)
            """, [name, description, price]).decode(Product.self)
        guard let product = rows.first else { throw .decoding("INSERT returned no row") }
        return product
    }

    /// Applies the fields that are present; `nil` when there is no such product.
    public static func update(_ db: PostgresConnection, id: Int64, with input: ProductInput) throws(DatabaseError) -> Product? {
        try db.query("""
            UPDATE products AS p SET
                name = COALESCE($2, p.name),
                description = COALESCE($3, p.description),
                price = COALESCE($4::numeric, p.price),
                updated_at = now()
            WHERE p.id = $1
            RETURNING \(Product.columns)
            """, [id, input.name, input.description, input.price]).decode(Product.self).first
    }

    /// Deletes the product (its offers go by `ON DELETE CASCADE`); false if it did not exist.
    public static func delete(_ db: PostgresConnection, id: Int64) throws(DatabaseError) -> Bool {
        try db.query("DELETE FROM products WHERE id = $1", [id]).affectedRows == 1
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
