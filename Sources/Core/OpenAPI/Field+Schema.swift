/// The JSON Schemas of a field, derived from its declaration. Members are written in one
/// order (type, format, enum, lengths, bounds, pattern, description, writeOnly), which is
/// the order the document has always had, so it stays byte-for-byte stable.
extension Field {
    /// The schema of the field in a request body: every rule the service applies.
    public var requestSchema: JSONValue {
        schema(shown: .all, pattern: pattern, description: description, writeOnly: isWriteOnly)
    }

    /// The schema of the field in a response: what still holds for the stored value.
    public var responseSchema: JSONValue {
        schema(shown: shown, pattern: nil, description: responseDescription, writeOnly: false)
    }

    private func schema(shown: Shown, pattern: String?, description: String?, writeOnly: Bool) -> JSONValue {
        var schema = JSONObject()
        let type: String = switch kind {
        case .text, .choice: "string"
        case .integer: "integer"
        case .decimal: "number"
        }
        schema["type"] = isNullable ? [.string(type), "null"] : .string(type)
        if shown.contains(.format), let format { schema["format"] = .string(format) }
        switch kind {
        case .choice(let values, _):
            if shown.contains(.choices) { schema["enum"] = .array(values.map(JSONValue.string)) }
        case .text(let length):
            if shown.contains(.length) {
                if length.lowerBound > 0 { schema["minLength"] = .int(length.lowerBound) }
                schema["maxLength"] = .int(length.upperBound)
            }
        case .integer(let range):
            if shown.contains(.range) || shown.contains(.minimum) { schema["minimum"] = .int(range.lowerBound) }
            if shown.contains(.range) { schema["maximum"] = .int(range.upperBound) }
        case .decimal(let minimum, let maximum, let multipleOf):
            if shown.contains(.range) || shown.contains(.minimum) { schema["minimum"] = .number(minimum) }
            if shown.contains(.range) {
                schema["maximum"] = .number(maximum)
                schema["multipleOf"] = .number(multipleOf)
            }
        }
        if let pattern { schema["pattern"] = .string(pattern) }
        if let description { schema["description"] = .string(description) }
        if writeOnly { schema["writeOnly"] = true }
        return .object(schema)
    }
}

/// The schema of a JSON object body made of fields.
extension [Field] {
    /// `{"type": "object", "additionalProperties": false, …leading, "properties", …trailing}`
    /// with the fields' request schemas; `leading` and `trailing` hold what the body adds
    /// (`required`, `minProperties`, `anyOf`) where the document has always had it.
    func requestBodySchema(leading: [(String, JSONValue)] = [], trailing: [(String, JSONValue)] = []) -> JSONValue {
        var schema: JSONObject = ["type": "object", "additionalProperties": false]
        for (key, value) in leading { schema[key] = value }
        schema["properties"] = .object(JSONObject(map { ($0.name, $0.requestSchema) }))
        for (key, value) in trailing { schema[key] = value }
        return .object(schema)
    }
}
