import Core
import Foundation
import HTTPTypes
import TestSupport

/// A response as `CatalogService.respond(to:)` returned it.
struct RouteResponse: TestResponse {
    let status: Int
    let headers: HTTPFields
    let body: [UInt8]

    init(_ response: Response) {
        status = response.status.code
        headers = response.headers
        body = response.body
    }

    /// The first header with this name (case-insensitive).
    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// All headers with this name.
    func headers(named name: String) -> [String] {
        HTTPField.Name(name).map { headers[values: $0] } ?? []
    }
}

/// The in-process test client: builds `Request`s as the FastCGI worker does from nginx's
/// params, and hands them to the suite's service.
///
/// What the worker adds is mirrored, nothing more: `Content-Type` and `Content-Length`
/// from the body, the client address nginx would pass as `REMOTE_ADDR`, and a body over
/// `CATALOG_MAX_BODY_BYTES` marked too large and not read. What nginx does itself (its
/// own request id, gzip, its limits and error pages, the response cache, dropping a
/// HEAD's body) is the end-to-end suites' business.
extension RouteApp {
    func get(_ target: String, headers: [(String, String)] = []) -> RouteResponse {
        send("GET", target, headers: headers)
    }

    /// Sends `json` with `Content-Type: application/json`.
    func send(_ method: String, _ target: String, json: JSONValue, headers: [(String, String)] = []) -> RouteResponse {
        send(method, target, headers: [("Content-Type", "application/json")] + headers, body: json.encoded)
    }

    /// `target` is a path with an optional query (`/products?limit=2`); `from` is the
    /// client's address as nginx would pass it.
    func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
              from clientAddress: String = "127.0.0.1") -> RouteResponse {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { preconditionFailure("bad header name \(name)") }
            fields.append(HTTPField(name: name, value: value))
        }
        if let body { fields[.contentLength] = String(body.count) }
        let tooLarge = (body?.count ?? 0) > service.configuration.maxBodyBytes
        let request = Request(method: HTTPRequest.Method(method)!, path: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "",
                              headers: fields, body: tooLarge ? [] : body ?? [], bodyTooLarge: tooLarge, clientAddress: clientAddress)
        return RouteResponse(respond(to: request))
    }

    /// Sends like a well-behaved client of the password routes: a `429` or `503` with
    /// `Retry-After` (the account throttle, a busy hashing slot) is retried after that
    /// wait, for at most `patience` seconds.
    func patient(_ method: String, _ target: String, json: JSONValue, headers: [(String, String)] = [], patience: Double = 30) -> RouteResponse {
        patient(method, target, headers: [("Content-Type", "application/json")] + headers, body: json.encoded, patience: patience)
    }

    func patient(_ method: String, _ target: String, headers: [(String, String)], body: [UInt8], patience: Double = 30) -> RouteResponse {
        let deadline = Date().addingTimeInterval(patience)
        while true {
            let response = send(method, target, headers: headers, body: body)
            guard [429, 503].contains(response.status), let wait = response.header("Retry-After").flatMap(Double.init),
                  Date().addingTimeInterval(wait) < deadline
            else { return response }
            Thread.sleep(forTimeInterval: max(wait, 0.2))
        }
    }
}
