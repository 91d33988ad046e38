/// Reads and validates the members of a JSON object body, collecting every problem
/// instead of stopping at the first, so a 422 lists all invalid fields at once.
///
/// Unknown members are rejected: a misspelt field name should fail loudly rather than be
/// silently ignored (and read-only members such as `id` cannot be written).
public struct FieldReader {
    public let object: JSONObject
    public private(set) var errors: [FieldError] = []

    public init(_ object: JSONObject, allowed: Set<String>) {
        self.object = object
        for key in object.keys where !allowed.contains(key) {
            errors.append(FieldError(key, "is not a known field"))
        }
    }

    /// Whether the body has this member (for PATCH, where absent means "unchanged").
    public func has(_ name: String) -> Bool { object[name] != nil }

    /// Records a problem with a field.
    public mutating func fail(_ name: String, _ message: String) {
        errors.append(FieldError(name, message))
    }

    /// A text member. Length is counted in Unicode code points, as PostgreSQL's
    /// `char_length` counts it, so the database constraint and this check agree. NUL is
    /// refused because PostgreSQL text cannot hold it.
    public mutating func string(_ name: String, required: Bool, length: ClosedRange<Int>) -> String? {
        guard let value = object[name] else {
            if required { fail(name, "is required") }
            return nil
        }
        guard case .string(let text) = value else {
            fail(name, "must be a string, got \(value.typeName)")
            return nil
        }
        if text.unicodeScalars.contains("\u{0}") {
            fail(name, "must not contain NUL characters")
            return nil
        }
        let count = text.unicodeScalars.count
        if count < length.lowerBound {
            fail(name, length.lowerBound == 1 ? "must not be empty" : "must be at least \(length.lowerBound) characters")
            return nil
        }
        if count > length.upperBound {
            fail(name, "must be at most \(length.upperBound) characters")
            return nil
        }
        return text
    }

    /// A number member as its literal text, for types that parse numbers exactly (money).
    public mutating func numberLiteral(_ name: String, required: Bool) -> String? {
        guard let value = object[name] else {
            if required { fail(name, "is required") }
            return nil
        }
        guard case .number(let literal) = value else {
            fail(name, "must be a number, got \(value.typeName)")
            return nil
        }
        return literal
    }

    /// An integer member within `range`. As in JSON Schema (and so the OpenAPI document),
    /// a number is an integer when its value is integral however it is written: `1`,
    /// `1.0` and `1e0` are the same integer; `1.5` is not one.
    public mutating func integer(_ name: String, required: Bool, range: ClosedRange<Int64>) -> Int64? {
        guard let literal = numberLiteral(name, required: required) else { return nil }
        guard let value = Self.integralValue(of: literal) else {
            fail(name, "must be an integer")
            return nil
        }
        guard range.contains(value) else {
            fail(name, "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    /// The exact value of a JSON number literal when it is an integer that fits in
    /// `Int64`, else `nil`. Works on the digits (no floating point), so `1e2`, `100.00`
    /// and `1.00e2` are all 100 and `9223372036854775807.0` is exact.
    static func integralValue(of literal: String) -> Int64? {
        if let value = Int64(literal) { return value }
        var text = Substring(literal)
        let negative = text.first == "-"
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var exponentText = text[text.index(after: e)...]
            if exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            guard !exponentText.isEmpty, exponentText.count <= 6, let parsed = Int(exponentText) else { return nil }
            exponent = parsed
            text = text[..<e]
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerDigits = parts[0], fractionDigits = parts.count > 1 ? parts[1] : ""
        guard !integerDigits.isEmpty, (parts.count == 1 || !fractionDigits.isEmpty),
              (integerDigits + fractionDigits).allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        // value = digits × 10^(exponent − fraction length), digits without leading zeros
        var digits = Substring(String(integerDigits + fractionDigits).drop(while: { $0 == "0" }))
        var scale = exponent - fractionDigits.count
        if digits.isEmpty { return 0 }
        while scale < 0 {
            guard digits.last == "0" else { return nil }  // a non-zero fraction
            digits = digits.dropLast()
            scale += 1
        }
        guard digits.count + scale <= 19 else { return nil }  // beyond Int64
        return Int64((negative ? "-" : "") + digits + String(repeating: "0", count: scale))
    }

    /// Throws a 422 listing every problem found, if there is any.
    public func finish() throws(APIError) {
        if !errors.isEmpty { throw .validation(errors) }
    }
}
