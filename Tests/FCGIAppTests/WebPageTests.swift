import Core
import Foundation
import Testing

/// The web page at `/`, as nginx serves it (deploy/nginx.conf, "the web page"): content
/// negotiation on `Accept`, the page's Content-Security-Policy, its static files under
/// `/web/`, and that API clients of `/` and every other path are unaffected. What the page
/// does in a browser is scripts/page-check.py's (headless Chromium, part of `make test`).
@Suite struct WebPageTests {
    static let browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

    /// The `Vary` header's names, all `Vary` lines together, lower-cased.
    static func varies(_ response: HTTPResult) -> Set<String> {
        Set(response.headers(named: "Vary").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    @Test func apiClientsOfTheRootKeepTheJSONIndex() throws {
        let accepts: [String?] = [nil, "application/json", "*/*", "application/json, text/html",
                                  "application/problem+json", "text/html;q=0, application/json", "text/html; q=0.0"]
        for accept in accepts {
            let response = try HTTP.get("/", headers: accept.map { [("Accept", $0)] } ?? [])
            #expect(response.status == 200, "Accept \(accept ?? "none")")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8", "Accept \(accept ?? "none")")
            #expect(response["name"] == "Catalog", "Accept \(accept ?? "none")")
            #expect(Self.varies(response).contains("accept"), "Accept \(accept ?? "none"): Vary \(response.headers(named: "Vary"))")
            #expect(response.header("Content-Security-Policy") == nil)
        }
    }

    @Test func browsersGetThePageWithItsSecurityPolicy() throws {
        for accept in [Self.browserAccept, "text/html", "TEXT/HTML;q=0.9"] {
            let response = try HTTP.get("/", headers: [("Accept", accept)])
            #expect(response.status == 200, "Accept \(accept)")
            #expect(response.header("Content-Type") == "text/html; charset=utf-8", "Accept \(accept)")
            #expect(Self.varies(response).contains("accept"), "Vary \(response.headers(named: "Vary"))")
            #expect(response.header("X-Request-ID") != nil)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            let csp = try #require(response.header("Content-Security-Policy"))
            let directives = Dictionary(csp.split(separator: ";").map { part -> (String, String) in
                let words = part.split(separator: " ", maxSplits: 1).map(String.init)
                return (words[0], words.count > 1 ? words[1] : "")
            }, uniquingKeysWith: { first, _ in first })
            #expect(directives["default-src"] == "'self'")
            #expect(directives["script-src"] == "'self'")
            #expect(directives["object-src"] == "'none'")
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("*"), "\(csp)")

            let html = response.text
            #expect(html.contains("<script type=\"module\" src=\"/web/js/app.js\"></script>"))
            // No inline script or style (the policy would refuse them): every <script> has a src.
            #expect(html.components(separatedBy: "<script").dropFirst().allSatisfy { $0.prefix(while: { $0 != ">" }).contains("src=") })
            #expect(!html.contains("style=") && !html.contains("<style"))
        }
        let head = try HTTP.send("HEAD", "/", headers: [("Accept", Self.browserAccept)])
        #expect(head.status == 200 && head.header("Content-Type") == "text/html; charset=utf-8" && head.body.isEmpty)
    }

    @Test func onlyReadsOfTheRootNegotiate() throws {
        // A browser's form post to / is the application's business: its 405, with Allow.
        let post = try HTTP.send("POST", "/", headers: [("Accept", Self.browserAccept)], body: Array("x".utf8))
        Fixtures.expectProblem(post, 405)
        #expect(post.header("Allow") == "GET, HEAD")
        // Every other path stays JSON for a browser's Accept: the page's views are /#/… addresses.
        let id = try Fixtures.createProduct(name: TestStack.uniqueTag("webpage"), description: "negotiation")
        for path in ["/products", "/products/\(id)", "/openapi.json"] {
            let response = try HTTP.get(path, headers: [("Accept", Self.browserAccept), ("Cache-Control", "no-cache")])
            #expect(response.status == 200, "\(path)")
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(path): \(response.header("Content-Type") ?? "")")
        }
    }

    @Test func thePagesFilesAreServedWithTheirTypes() throws {
        let files = [("/web/js/app.js", "application/javascript"), ("/web/js/chart.js", "application/javascript"),
                     ("/web/style.css", "text/css"), ("/web/favicon.svg", "image/svg+xml"), ("/web/", "text/html")]
        for (path, type) in files {
            let response = try HTTP.get(path)
            #expect(response.status == 200, "\(path)")
            #expect(response.header("Content-Type")?.hasPrefix(type) == true, "\(path): \(response.header("Content-Type") ?? "")")
            #expect(response.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true, "\(path)")
            #expect(response.header("Cache-Control") == "no-cache", "\(path)")
            #expect(response.header("ETag") != nil, "\(path)")
        }
        Fixtures.expectProblem(try HTTP.get("/web/no-such-file.js"), 404)
        let put = try HTTP.send("PUT", "/web/js/app.js", body: Array("x".utf8))
        Fixtures.expectProblem(put, 405)
        #expect(put.header("Allow") == "GET, HEAD")
    }
}
