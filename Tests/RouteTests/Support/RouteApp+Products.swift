import Core
import Testing

/// Products made through the routes, as a client (the suite's admin) would make them.
extension RouteApp {
    /// Creates a product and returns its id; the test fails if the service refuses.
    @discardableResult
    func createProduct(name: String, description: String = "", price: String = "9.99") throws -> Int64 {
        let response = send("POST", "/products", json: ["name": .string(name), "description": .string(description), "price": .number(price)],
                            headers: admin)
        try #require(response.status == 201, "create product: \(response.status) \(response.text)")
        guard case .number(let id)? = response["id"], let value = Int64(id) else { throw RouteFailure("no id in \(response.text)") }
        return value
    }

    /// Rows in the suite's `products`.
    func productCount() throws -> Int64 {
        try database().query("SELECT count(*) FROM products").first!.int64(0)
    }

    /// One product row as text columns, for "nothing changed" assertions.
    func productRow(_ id: Int64) throws -> [String?] {
        let result = try database().query("SELECT name, description, price::text, updated_at::text FROM products WHERE id = \(id)")
        guard let row = result.first else { return [] }
        return try (0..<4).map { try row.optionalString($0) }
    }

    /// An offer as the offer-sync job writes it (the web workers never call the offers service).
    @discardableResult
    func insertOffer(productID: Int64, price: Int64, stock: Int64) throws -> String {
        let result = try database().query("INSERT INTO offers (id, product_id, price, items_in_stock) VALUES (gen_random_uuid(), \(productID), \(price), \(stock)) RETURNING id::text")
        return try result.first!.string(0)
    }
}
