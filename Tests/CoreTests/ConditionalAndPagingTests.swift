import Core
import HTTPTypes
import Testing

@Suite struct ConditionalAndPagingTests {
    @Test func etagsAreStrongAndDependOnTheBytes() {
        let a = ETag.strong(for: Array("{\"a\":1}".utf8))
        #expect(a.hasPrefix("\"") && a.hasSuffix("\"") && a.count == 34)
        #expect(a == ETag.strong(for: Array("{\"a\":1}".utf8)))
        #expect(a != ETag.strong(for: Array("{\"a\":2}".utf8)))
    }

    @Test func ifNoneMatchUsesWeakComparison() {
        #expect(ETag.noneMatch("\"x\"", matches: "\"x\""))
        #expect(ETag.noneMatch("W/\"x\"", matches: "\"x\""))
        #expect(ETag.noneMatch("\"a\", \"x\"", matches: "\"x\""))
        #expect(ETag.noneMatch("*", matches: "\"x\""))
        #expect(!ETag.noneMatch("\"y\"", matches: "\"x\""))
    }

    @Test func ifMatchComparesTheOpaqueTag() {
        #expect(ETag.match("\"x\"", matches: "\"x\""))
        #expect(ETag.match("W/\"x\"", matches: "\"x\""), "nginx's gzip weakens tags; the opaque part still identifies the state")
        #expect(ETag.match("*", matches: "\"x\""))
        #expect(!ETag.match("\"y\"", matches: "\"x\""))
        var request = Request(.put, "/p/1")
        request.headers[.ifMatch] = "\"old\""
        #expect(throws: APIError.preconditionFailed) { try request.checkIfMatch(currentETag: "\"new\"") }
        #expect(throws: APIError.preconditionFailed) { try request.checkIfMatch(currentETag: nil) }
    }

    @Test func notModifiedOnlyForSuccessfulReads() {
        var request = Request(.get, "/p/1")
        request.headers[.ifNoneMatch] = "\"t\""
        let ok = Response(status: .ok, headers: [.eTag: "\"t\""], body: [1])
        #expect(request.applyingIfNoneMatch(to: ok).status == .notModified)
        #expect(request.applyingIfNoneMatch(to: ok).body.isEmpty)
        request.method = .post
        #expect(request.applyingIfNoneMatch(to: ok).status == .ok)
    }

    @Test func cursorsRoundTripAndRejectGarbage() throws {
        let cursor = PageRequest.encodeCursor(after: 1234)
        #expect(try PageRequest(query: ["cursor": cursor]).after == 1234)
        for bad in ["", "abc", "djE6MA", "djE6LTE", "!!", PageRequest.encodeCursor(after: 1) + "x"] {
            #expect(throws: APIError.self) { try PageRequest(query: ["cursor": bad]) }
        }
    }

    @Test func limitsAreValidated() throws {
        #expect(try PageRequest(query: [:]).limit == 50)
        #expect(try PageRequest(query: ["limit": "200"]).limit == 200)
        for bad in ["0", "201", "-1", "1.5", "x", "", "+5"] {
            #expect(throws: APIError.self) { try PageRequest(query: ["limit": bad]) }
        }
    }

    @Test func pageAddsLinkOnlyWhenMoreRowsExist() {
        let request = Request(.get, "/things?q=a%20b&limit=2")
        let page = PageRequest(limit: 2)
        let more = Response.page([1, 2, 3] as [Int64], request: request, page: page, id: { $0 }, json: { .int($0) })
        #expect(more.body == Array("[1,2]".utf8))
        #expect(more.headers[.link] == "</things?q=a%20b&limit=2&cursor=\(PageRequest.encodeCursor(after: 2))>; rel=\"next\"")
        let last = Response.page([1, 2] as [Int64], request: request, page: page, id: { $0 }, json: { .int($0) })
        #expect(last.headers[.link] == nil)
    }

    @Test func queryStringsDecode() {
        #expect(QueryString.parse("a=1&b=two+words&c=%C3%A9&a=2&flag") == ["a": "1", "b": "two words", "c": "é", "flag": ""])
        #expect(QueryString.parse("bad=%zz&ok=1") == ["ok": "1"])
    }

    @Test func problemDocumentsCarryTheirHeaders() throws {
        let unauthorized = APIError.unauthorized("no token").response
        #expect(unauthorized.status == .unauthorized)
        #expect(unauthorized.headers[.wwwAuthenticate] == "Bearer")
        #expect(unauthorized.headers[.contentType] == "application/problem+json")
        let unavailable = APIError.serviceUnavailable("db down", retryAfter: 2).response
        #expect(unavailable.headers[.retryAfter] == "2")
        let invalid = APIError.validation([FieldError("price", "must be >= 0")]).response
        #expect(try JSONParser.parse(invalid.body) == [
            "type": "/problems/validation", "title": "Validation failed", "status": 422,
            "detail": "The request has invalid fields.", "errors": [["field": "price", "message": "must be >= 0"]],
        ])
    }
}
