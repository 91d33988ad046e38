extension ServiceConfiguration {
    /// One environment variable per JSON limit, with the values an operator may choose:
    /// the one declaration that `init(environment:)` reads and the README's table lists.
    /// Defaults are `JSONParser.Limits.requestBody`.
    ///
    /// Each range starts at or above what the API's own bodies need (one flat object of at
    /// most four members, no arrays, a 10,000-character text), so no setting can refuse a
    /// valid request, and ends before one document could keep a worker busy for seconds
    /// or, for depth, exhaust its stack.
    public static let jsonLimitSettings: [(limit: JSONParser.Limit, variable: String, range: ClosedRange<Int>)] = [
        (.members, "CATALOG_JSON_MAX_MEMBERS", 8...1_000_000),
        (.elements, "CATALOG_JSON_MAX_ELEMENTS", 1...1_000_000),
        (.values, "CATALOG_JSON_MAX_VALUES", 16...10_000_000),
        // The longest text field at UTF-8's worst case of 4 bytes per code point.
        (.stringBytes, "CATALOG_JSON_MAX_STRING_BYTES", (ProductInput.descriptionLength.upperBound * 4)...(64 << 20)),
        (.depth, "CATALOG_JSON_MAX_DEPTH", 1...512),
    ]

    /// The configured limits; a bad value is recorded in `reader` under its variable.
    static func jsonLimits(_ reader: inout EnvironmentReader) -> JSONParser.Limits {
        var limits = JSONParser.Limits.requestBody
        for setting in jsonLimitSettings {
            limits[setting.limit] = reader.integer(setting.variable, default: limits[setting.limit], range: setting.range)
        }
        return limits
    }
}
