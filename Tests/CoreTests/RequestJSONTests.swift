import Core
import HTTPTypes
import Testing

@Suite struct RequestJSONTests {
    private func request(contentType: String?, body: String) -> Request {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return Request(.post, "/products", headers: headers, body: Array(body.utf8))
    }

    @Test func acceptsJSONMediaTypes() throws {
        for type in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"] {
            #expect(request(contentType: type, body: "{}").hasJSONContentType, "\(type)")
            #expect(try request(contentType: type, body: #"{"a":1}"#).jsonObject(limits: .requestBody)["a"] == .number("1"))
        }
    }

    @Test func rejectsOtherMediaTypesWith415() {
        // ";" and "" once trapped (the media type was `split(separator: ";")[0]`).
        for type in [nil, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", ";", "", " ; ", ";application/json"] as [String?] {
            #expect(throws: APIError.unsupportedMediaType("The request body must be JSON (Content-Type: application/json).")) {
                try request(contentType: type, body: "{}").jsonObject(limits: .requestBody)
            }
        }
    }

    @Test func malformedJSONIs400AndWrongShapeIs422() {
        #expect(throws: (any Error).self) { try request(contentType: "application/json", body: "{").jsonObject(limits: .requestBody) }
        do {
            _ = try request(contentType: "application/json", body: "{").jsonObject(limits: .requestBody)
        } catch {
            #expect(error.status == .badRequest)
        }
        do {
            _ = try request(contentType: "application/json", body: "[1,2]").jsonObject(limits: .requestBody)
            Issue.record("an array body must be rejected")
        } catch {
            #expect(error.status == .unprocessableContent)
            #expect(error.problem.errors == [FieldError("body", "must be a JSON object, got array")])
        }
    }

    @Test func aBodyOverAJSONLimitIs413NamingTheLimit() {
        let limits = JSONParser.Limits.requestBody
        let wide = "{" + (0...limits.members).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
        let long = "{\"name\":\"" + String(repeating: "x", count: limits.stringBytes + 1) + "\"}"
        for (body, phrase) in [(wide, "an object has more than \(limits.members) members"),
                               (long, "a string or number has more than \(limits.stringBytes) bytes")] {
            do {
                _ = try request(contentType: "application/json", body: body).jsonObject(limits: limits)
                Issue.record("a body over a limit must be refused")
            } catch {
                #expect(error.status == .contentTooLarge)
                #expect(error.problem.detail == "The request body exceeds a limit: \(phrase).")
            }
        }
    }
}
