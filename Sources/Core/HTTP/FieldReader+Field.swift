/// Reading members by their declarations (`Field`): the bounds and nullability come from
/// the declaration, so what is checked is what the OpenAPI document states.
extension FieldReader {
    /// A reader whose known members are the declared fields.
    public init(_ object: JSONObject, fields: [Field]) {
        self.init(object, allowed: Set(fields.map(\.name)))
    }

    /// Whether a nullable field was sent as `null` (which is then its value: absent).
    private func isNull(_ field: Field) -> Bool {
        field.isNullable && object[field.name] == .null
    }

    /// A text or choice member within the declared length. `nil` when absent, invalid, or
    /// `null` for a nullable field.
    public mutating func text(_ field: Field, required: Bool) -> String? {
        guard let length = field.length else { preconditionFailure("\(field.name) is not declared as text") }
        return isNull(field) ? nil : string(field.name, required: required, length: length)
    }

    /// A choice member: text within the declared length, then one of the declared values.
    public mutating func choice(_ field: Field, required: Bool) -> String? {
        guard case .choice(let values, _) = field.kind, let text = text(field, required: required) else { return nil }
        guard values.contains(text) else {
            fail(field.name, "must be one of: \(values.joined(separator: ", "))")
            return nil
        }
        return text
    }

    /// An integer member within the declared range. `nil` when absent, invalid, or `null`
    /// for a nullable field.
    public mutating func integer(_ field: Field, required: Bool) -> Int64? {
        guard let range = field.range else { preconditionFailure("\(field.name) is not declared as an integer") }
        return isNull(field) ? nil : integer(field.name, required: required, range: range)
    }
}
