/// The writable fields of a product, validated.
///
/// `POST` and `PUT` need `name` and `price` (`description` defaults to empty); `PATCH`
/// takes any subset. Absent fields are `nil` and leave the stored value unchanged.
public struct ProductInput: Sendable, Equatable {
    public var name: String?
    public var description: String?
    public var price: Money?

    public static let nameLength = 1...200
    public static let descriptionLength = 0...10_000

    /// Each writable field's rules, declared once (validation and both schemas).
    public static let name = Field.text("name", length: nameLength)
    public static let description = Field.text("description", length: descriptionLength)
    public static let price = Field.decimal("price", minimum: "0", maximum: Money.maximum.description, multipleOf: "0.01")
        .described("Exact decimal with at most two decimal places.")
        .respondedAs("Exact decimal with two decimal places.")
        .showing(.minimum)
    public static let fields = [name, description, price]

    public init(name: String? = nil, description: String? = nil, price: Money? = nil) {
        self.name = name
        self.description = description
        self.price = price
    }

    /// Validates a body for `POST`/`PUT` (`partial: false`) or `PATCH` (`partial: true`).
    public init(_ object: JSONObject, partial: Bool) throws(APIError) {
        var reader = FieldReader(object, fields: Self.fields)
        name = reader.text(Self.name, required: !partial)
        description = reader.text(Self.description, required: false)
        if let literal = reader.numberLiteral(Self.price.name, required: !partial) {
            do {
                price = try Money(parsing: literal)
            } catch {
                switch error {
                case .negative: reader.fail("price", "must be >= 0")
                case .tooManyDecimals: reader.fail("price", "must have at most two decimal places")
                case .tooLarge: reader.fail("price", "must be at most \(Money.maximum)")
                case .notANumber: reader.fail("price", "must be a number")
                }
            }
        }
        if partial, object.isEmpty { reader.fail("body", "must contain at least one of: \(Self.fields.map(\.name).joined(separator: ", "))") }
        try reader.finish()
        if !partial, description == nil { description = "" }
    }

    /// The OpenAPI schema of the body (`required` lists the fields `POST`/`PUT` need).
    static func schema(partial: Bool) -> JSONValue {
        fields.requestBodySchema(trailing: [partial ? ("minProperties", 1) : ("required", ["name", "price"])])
    }
}
