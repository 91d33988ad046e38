/// A product's offer price history and trend: public, cacheable reads of what the offer
/// sync recorded (`offer_price_events`). The history is recorded by the sync job only.
public enum PriceHistoryRoutes {
    public static func register(in router: inout Router) {
        router.add(.get, "/products/{id}/price-history", Operation("getProductPriceHistory", "A product's offer price history", tags: ["products"])
            .cacheable()
            .parameters(
                OpenAPI.queryParameter("from", "Start of the range, RFC 3339 (default: 24 hours before `to`). Send `+` in an offset as `%2B`.",
                                       schema: OpenAPI.text(maxLength: RFC3339Instant.maximumLength, format: "date-time")),
                OpenAPI.queryParameter("to", "End of the range, exclusive, RFC 3339 (default: now).",
                                       schema: OpenAPI.text(maxLength: RFC3339Instant.maximumLength, format: "date-time")),
                OpenAPI.queryParameter("bucket", "Width of a point, buckets starting at whole UTC minutes, hours or days (default: minute for ranges up to 12 hours, hour up to 30 days, else day).",
                                       schema: ["type": "string", "enum": .array(PriceHistoryBucket.allCases.map { .string($0.rawValue) })]))
            .response(200, "The points of the range in time order, one per bucket holding at least one recorded price; none for a range without data.",
                      schema: OpenAPI.ref("PriceHistory"))
            .problem(422, "A bad timestamp or bucket, `from` after `to`, or a range that would produce more than \(PriceHistoryQuery.maximumPoints) points (the detail says how many).")
            .describe("""
                The offer sync records an event whenever an offer appears, changes price or stock, or disappears. \
                Each point summarises the prices recorded in its bucket: `min`, `avg` (plain mean) and `max`, \
                `offers` (distinct offers with a recorded price) and `changes` (events, disappearances included). \
                The range is [from, to). History is kept for `CATALOG_PRICE_HISTORY_RETENTION_DAYS` (default 90).
                """), handler: history)

        router.add(.get, "/products/{id}/price-trend", Operation("getProductPriceTrend", "How a product's mean offer price moved over a period", tags: ["products"])
            .cacheable()
            .parameters(OpenAPI.queryParameter("period", "The period ending now (default `\(PricePeriod.default.rawValue)`).",
                                               schema: ["type": "string", "enum": .array(PricePeriod.allCases.map { .string($0.rawValue) })]))
            .response(200, "The mean price of the offers in force at the period's start and now, and the change.",
                      schema: OpenAPI.ref("PriceTrend"))
            .problem(422, "An unknown period.")
            .describe("""
                `from.avg` is the mean price of the offers in force at the start of the period, from the history; \
                `to.avg` of those in force now. `change_percent` = (to − from) / from × 100, rounded to two decimals; \
                `direction` is `up`, `down` or `flat` by its sign. With no offer in force at the start (or none now) \
                that mean, `change_percent` and `direction` are null; with a start mean of 0 `change_percent` is null \
                and `direction` is `up` or `flat`.
                """), handler: trend)
    }

    public static let schemas: [(String, JSONValue)] = [
        ("PriceHistory", [
            "type": "object",
            "required": ["product_id", "bucket", "points"],
            "properties": [
                "product_id": OpenAPI.idSchema,
                "bucket": ["type": "string", "enum": .array(PriceHistoryBucket.allCases.map { .string($0.rawValue) })],
                "points": ["type": "array", "maxItems": .int(PriceHistoryQuery.maximumPoints), "items": OpenAPI.ref("PricePoint")],
            ],
        ]),
        ("PricePoint", PricePoint.schema),
        ("PriceTrend", PriceTrend.schema),
    ]

    // MARK: - Handlers

    static func history(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = context.parameters.id()
        let query = try PriceHistoryQuery(query: request.query, now: .now)
        // The document is written as bytes, the points straight from PostgreSQL's text
        // (`PricePoint`): its members in the order of the schema above.
        let body = try context.database.read { db -> [UInt8]? in
            var body = Array(#"{"product_id":\#(id),"bucket":"\#(query.bucket.rawValue)","points":"#.utf8)
            guard try PriceHistoryStore.writePoints(db, productID: id, query: query, into: &body) else { return nil }
            body.append(UInt8(ascii: "}"))
            return body
        }
        guard let body else { throw APIError.notFound("There is no product \(id).") }
        return Response(status: .ok, headers: [.contentType: Response.jsonContentType], body: body)
    }

    static func trend(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = context.parameters.id()
        var period = PricePeriod.default
        if let text = request.query["period"] {
            guard let chosen = PricePeriod(rawValue: text) else {
                throw APIError.invalid("period", "must be one of \(PricePeriod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            period = chosen
        }
        guard let trend = try context.database.read({ db in try PriceHistoryStore.trend(db, productID: id, period: period, now: .now) }) else {
            throw APIError.notFound("There is no product \(id).")
        }
        return .json(trend.json)
    }
}
