import HTTPTypes

extension Request {
    /// The media types accepted for JSON bodies (`application/json`, and `+json` types such
    /// as `application/merge-patch+json` for PATCH).
    public var hasJSONContentType: Bool {
        guard let value = headers[.contentType] else { return false }
        // Not `split(...)[0]`: that is an empty array, and a trap, for `;` or an empty value.
        let mediaType = value.prefix { $0 != ";" }.trimmingSpaces().lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The body as a JSON object, with the API's error rules applied in order:
    /// 415 when the body is not declared as JSON, 400 when it does not parse,
    /// 413 when it exceeds one of `limits` (the service's `jsonLimits`; the parser stops
    /// there, so this answer is as cheap as the limits make it), 422 when it parses but is
    /// not an object. Every route with a body reads it through here.
    public func jsonObject(limits: JSONParser.Limits) throws(APIError) -> JSONObject {
        guard hasJSONContentType else {
            throw .unsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body, limits: limits)
        } catch {
            switch error {
            case .malformed(let syntax):
                throw .malformedJSON("The request body is not valid JSON: \(syntax.description).")
            case .limitExceeded(let limit):
                throw .contentTooLarge("The request body exceeds a limit: \(limit.summary).")
            }
        }
        guard case .object(let object) = value else {
            throw .invalid("body", "must be a JSON object, got \(value.typeName)")
        }
        return object
    }
}
