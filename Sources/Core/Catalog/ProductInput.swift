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
    static let fields: Set<String> = ["name", "description", "price"]

    public init(name: String? = nil, description: String? = nil, price: Money? = nil) {
        self.name = name
        self.description = description
        self.price = price
    }

    /// Validates a body for `POST`/`PUT` (`partial: false`) or `PATCH` (`partial: true`).
    public init(_ object: JSONObject, partial: Bool) throws(APIError) {
        var reader = FieldReader(object, allowed: Self.fields)
        name = reader.string("name", required: !partial, length: Self.nameLength)
        description = reader.string("description", required: false, length: Self.descriptionLength)
        if let literal = reader.numberLiteral("price", required: !partial) {
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
        if partial, object.isEmpty { reader.fail("body", "must contain at least one of: name, description, price") }
        try reader.finish()
        if !partial, description == nil { description = "" }
    }

    /// The OpenAPI schema of the body (`required` lists the fields `POST`/`PUT` need).
    static func schema(partial: Bool) -> JSONValue {
        var object: JSONObject = [
            "type": "object",
            "additionalProperties": false,
            "properties": [
                "name": OpenAPI.text(minLength: 1, maxLength: 200),
                "description": OpenAPI.text(maxLength: 10000),
                "price": ["type": "number", "minimum": 0, "maximum": Money.maximum.json, "multipleOf": .number("0.01"),
                          "description": "Exact decimal with at most two decimal places."],
            ],
        ]
        if partial { object["minProperties"] = 1 } else { object["required"] = ["name", "price"] }
        return .object(object)
    }
}
