import HTTPTypes

/// The products resource: routes, their handlers and their OpenAPI descriptions.
///
/// Reads are public; writes need the `admin` role (`.admin` where each is registered).
public enum ProductRoutes {
    public static func register(in router: inout Router) {
        router.add(.get, "/products", Operation("listProducts", "List products", tags: ["products"])
            .cacheable()
            .parameters(OpenAPI.queryParameter("q", ProductSearch.openAPIDescription, schema: ProductSearch.openAPISchema))
            .parameters(OpenAPI.pagingParameters[0], OpenAPI.pagingParameters[1])
            .response(200, "A page of products in id order.", schema: OpenAPI.arrayOf("Product"), headers: ["Link"])
            .problems(422), handler: list)

        router.add(.post, "/products", .admin, Operation("createProduct", "Create a product", tags: ["products"])
            .body(ProductInput.schema(partial: false))
            .response(201, "The created product.", schema: OpenAPI.ref("ProductWithOffers"), headers: ["Location", "ETag"])
            .describe("The product is queued for registration with the offers service; its offers appear after the next sync."),
            handler: create)

        router.add(.get, "/products/{id}", Operation("getProduct", "Get a product with its offers", tags: ["products"])
            .cacheable()
            .parameters(OpenAPI.headerParameter("If-None-Match", "ETag of a cached copy; 304 if it is current."))
            .response(200, "The product with its current offers.", schema: OpenAPI.ref("ProductWithOffers"), headers: ["ETag"])
            .response(304, "The cached copy is current.", headers: ["ETag"]), handler: get)

        router.add(.put, "/products/{id}", .admin, Operation("replaceProduct", "Replace a product", tags: ["products"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the product changed since."))
            .body(ProductInput.schema(partial: false))
            .response(200, "The updated product.", schema: OpenAPI.ref("ProductWithOffers"), headers: ["ETag"])
            .problems(412)) { request, context, _ in try update(request, context, partial: false) }

        router.add(.patch, "/products/{id}", .admin, Operation("updateProduct", "Update some fields of a product", tags: ["products"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the product changed since."))
            .body(ProductInput.schema(partial: true))
            .response(200, "The updated product.", schema: OpenAPI.ref("ProductWithOffers"), headers: ["ETag"])
            .problems(412)) { request, context, _ in try update(request, context, partial: true) }

        router.add(.delete, "/products/{id}", .admin, Operation("deleteProduct", "Delete a product and its offers", tags: ["products"])
            .parameters(OpenAPI.headerParameter("If-Match", "ETag the client last read; 412 if the product changed since."))
            .response(204, "Deleted.")
            .problems(412), handler: delete)

        router.add(.get, "/products/{id}/offers", Operation("listProductOffers", "List a product's offers", tags: ["products"])
            .cacheable()
            .response(200, "The product's current offers (empty until the first sync).", schema: OpenAPI.arrayOf("Offer")),
            handler: offers)
    }

    public static let schemas: [(String, JSONValue)] = [
        ("Product", productSchema(withOffers: false)),
        ("ProductWithOffers", productSchema(withOffers: true)),
        ("Offer", Offer.schema),
    ]

    // MARK: - Handlers

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        var errors: [FieldError] = []
        let page: PageRequest
        do { page = try PageRequest(query: request.query) } catch {
            if case .validation(let found) = error { errors += found }
            page = PageRequest()
        }
        var search: ProductSearch?
        if let q = request.query["q"], !q.isEmpty {
            search = ProductSearch(q)
            if search == nil, let problem = ProductSearch.problem(q) { errors.append(FieldError("q", problem)) }
        }
        if !errors.isEmpty { throw APIError.validation(errors) }
        let rows = try context.database.read { db in
            try ProductStore.list(db, search: search, after: page.after, limit: page.limit + 1)
        }
        return .page(rows, request: request, page: page, id: \.id, json: \.json)
    }

    static func get(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = context.parameters.id()
        guard let (product, offers) = try context.database.read({ db in try ProductStore.find(db, id: id) }) else {
            throw APIError.notFound("There is no product \(id).")
        }
        return .json(product.json(offers: offers), etag: true)
    }

    static func create(_ request: Request, _ context: RequestContext, _: Admin) throws -> Response {
        let input = try ProductInput(request.jsonObject(limits: context.configuration.jsonLimits), partial: false)
        let product = try context.database.transaction { db in
            try ProductStore.insert(db, name: input.name!, description: input.description ?? "", price: input.price!)
        }
        var response = Response.json(product.json(offers: []), status: .created, etag: true)
        response.headers[.location] = "/products/\(product.id)"
        return response
    }

    static func update(_ request: Request, _ context: RequestContext, partial: Bool) throws -> Response {
        let id = context.parameters.id()
        let input = try ProductInput(request.jsonObject(limits: context.configuration.jsonLimits), partial: partial)
        let (product, offers) = try context.database.transaction { db in
            try checkPrecondition(request, db, id: id)
            guard let product = try ProductStore.update(db, id: id, with: input) else {
                throw APIError.notFound("There is no product \(id).")
            }
            return (product, try ProductStore.find(db, id: id)?.1 ?? [])
        }
        return .json(product.json(offers: offers), etag: true)
    }

    static func delete(_ request: Request, _ context: RequestContext, _: Admin) throws -> Response {
        let id = context.parameters.id()
        try context.database.transaction { db in
            try checkPrecondition(request, db, id: id)
            guard try ProductStore.delete(db, id: id) else { throw APIError.notFound("There is no product \(id).") }
        }
        return .noContent
    }

    static func offers(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = context.parameters.id()
        guard let (_, offers) = try context.database.read({ db in try ProductStore.find(db, id: id) }) else {
            throw APIError.notFound("There is no product \(id).")
        }
        return .json(.array(offers.map(\.json)))
    }

    /// For a conditional write: locks the product and compares `If-Match` with the ETag
    /// of its current representation (the same bytes `GET` would send).
    private static func checkPrecondition(_ request: Request, _ db: PostgresConnection, id: Int64) throws {
        guard request.hasIfMatch else { return }
        guard let (product, offers) = try ProductStore.find(db, id: id, lock: true) else {
            throw APIError.notFound("There is no product \(id).")
        }
        try request.checkIfMatch(currentETag: ETag.strong(for: product.json(offers: offers).encoded))
    }

    private static func productSchema(withOffers: Bool) -> JSONValue {
        var properties: JSONObject = [
            "id": OpenAPI.idSchema,
            "name": ProductInput.name.responseSchema,
            "description": ProductInput.description.responseSchema,
            "price": ProductInput.price.responseSchema,
            "created_at": ["type": "string", "format": "date-time"],
            "updated_at": ["type": "string", "format": "date-time"],
            "offers_synced_at": ["type": ["string", "null"], "format": "date-time",
                                 "description": "When the product's offers last changed (an offer added, removed, or its price or stock changed), as seen by the offer sync; set by the first sync, null before it. A sync that finds the offers unchanged leaves it, and the representation, as they are."],
        ]
        var required: [JSONValue] = ["id", "name", "description", "price", "created_at", "updated_at", "offers_synced_at"]
        if withOffers {
            properties["offers"] = OpenAPI.arrayOf("Offer")
            required.append("offers")
        }
        return ["type": "object", "required": .array(required), "properties": .object(properties)]
    }
}
