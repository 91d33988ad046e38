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
            #expect(try request(contentType: type, body: #"{"a":1}"#).jsonObject()["a"] == .number("1"))
        }
    }

    @Test func rejectsOtherMediaTypesWith415() {
        for type in [nil, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"] as [String?] {
            #expect(throws: APIError.unsupportedMediaType("The request body must be JSON (Content-Type: application/json).")) {
                try request(contentType: type, body: "{}").jsonObject()
            }
        }
    }

    @Test func malformedJSONIs400AndWrongShapeIs422() {
        #expect(throws: (any Error).self) { try request(contentType: "application/json", body: "{").jsonObject() }
        do {
            _ = try request(contentType: "application/json", body: "{").jsonObject()
        } catch {
            #expect(error.status == .badRequest)
        }
        do {
            _ = try request(contentType: "application/json", body: "[1,2]").jsonObject()
            Issue.record("an array body must be rejected")
        } catch {
            #expect(error.status == .unprocessableContent)
            #expect(error.problem.errors == [FieldError("body", "must be a JSON object, got array")])
        }
    }
}
