import Core
import Foundation
import Testing

/// The offer-sync job's pure parts: configuration, response parsing, token expiry.
@Suite struct OffersClientParsingTests {
    private let offerID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"

    @Test func offersListsAreParsedStrictly() throws {
        let body = Array(#"[{"id": "\#(offerID)", "price": 1299, "items_in_stock": 0, "shop": "x"}]"#.utf8)
        #expect(try RemoteOffer.list(from: body) == [RemoteOffer(id: offerID.lowercased(), price: 1299, itemsInStock: 0)])
        #expect(try RemoteOffer.list(from: Array("[]".utf8)) == [])

        let bad = [
            #"[{"id": "#,                                                                   // truncated
            "<html>502</html>",                                                             // not JSON
            #"{"offers": []}"#,                                                             // not an array
            #"[{"id": 5, "price": 1, "items_in_stock": 1}]"#,                               // id not a string
            #"[{"id": "not-a-uuid", "price": 1, "items_in_stock": 1}]"#,
            #"[{"id": "\#(offerID)", "price": "12.50", "items_in_stock": 1}]"#,             // price a string
            #"[{"id": "\#(offerID)", "price": 12.5, "items_in_stock": 1}]"#,                // not an integer
            #"[{"id": "\#(offerID)", "price": -1, "items_in_stock": 1}]"#,                  // negative
            #"[{"id": "\#(offerID)", "price": 1, "items_in_stock": 99999999999}]"#,         // beyond integer
            #"[{"id": "\#(offerID)", "price": 1}]"#,                                        // missing stock
            #"[{"id": "\#(offerID)", "price": 1, "items_in_stock": 1}, {"id": "\#(offerID.lowercased())", "price": 2, "items_in_stock": 1}]"#,
        ]
        for text in bad {
            #expect(throws: OffersClientError.self, "\(text)") { try RemoteOffer.list(from: Array(text.utf8)) }
        }
    }

    @Test func authAnswersAndErrorDetails() throws {
        #expect(try RemoteOffer.accessToken(from: Array(#"{"access_token": "a.b.c"}"#.utf8)) == "a.b.c")
        #expect(throws: OffersClientError.self) { try RemoteOffer.accessToken(from: Array(#"{"token": 1}"#.utf8)) }
        #expect(throws: OffersClientError.self) { try RemoteOffer.accessToken(from: Array(#"{"access_token": "a b"}"#.utf8)) }
        #expect(RemoteOffer.detail(from: Array(#"{"detail": "Product does not exist"}"#.utf8)) == "Product does not exist")
        #expect(RemoteOffer.detail(from: Array("oops".utf8)) == nil)
    }

    @Test func tokenExpiryComesFromTheJWTOrTheDocumentedLifetime() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let payload = Base64URL.encode(Array(#"{"sub":"catalog","exp":1800000120}"#.utf8))
        let token = AccessToken(issued: "e30.\(payload).sig", now: now)
        #expect(token.expiresAt == Date(timeIntervalSince1970: 1_800_000_120))
        #expect(token.renewalMargin == 24, "a fifth of a 2-minute token")
        #expect(token.isFresh(at: now.addingTimeInterval(95)))
        #expect(!token.isFresh(at: now.addingTimeInterval(97)))

        let opaque = AccessToken(issued: "opaque-token", now: now)
        #expect(opaque.expiresAt == now.addingTimeInterval(300))
        #expect(opaque.renewalMargin == 30)
        let past = Base64URL.encode(Array(#"{"exp":1700000000}"#.utf8))
        #expect(AccessToken(issued: "e30.\(past).sig", now: now).expiresAt == now.addingTimeInterval(300), "an implausible exp is ignored")
    }

    @Test func configurationIsValidatedWithEveryProblemNamed() throws {
        let good = try OffersConfiguration(environment: [
            "OFFERS_BASE_URL": "https://offers.example.com/api/v1/", "OFFERS_REFRESH_TOKEN": "secret",
            "OFFERS_TIMEOUT_SECONDS": "2.5", "OFFERS_SYNC_CONCURRENCY": "16",
        ])
        #expect(good.baseURL.absoluteString == "https://offers.example.com/api/v1")
        #expect(good.refreshToken == "secret")
        #expect(good.requestTimeout == 2.5)
        #expect(good.concurrency == 16)

        let fromFile = try OffersConfiguration(
            environment: ["OFFERS_BASE_URL": "http://127.0.0.1:9000", "OFFERS_REFRESH_TOKEN_FILE": "/etc/catalog/token"],
            readFile: { path in path == "/etc/catalog/token" ? "from-file\n" : "" })
        #expect(fromFile.refreshToken == "from-file")

        do {
            _ = try OffersConfiguration(environment: [
                "OFFERS_BASE_URL": "offers.example.com", "OFFERS_REFRESH_TOKEN": "a\r\nX-Evil: 1",
                "OFFERS_TIMEOUT_SECONDS": "0", "OFFERS_SYNC_CONCURRENCY": "1000",
            ])
            Issue.record("accepted a bad configuration")
        } catch {
            #expect(Set(error.errors.map(\.variable)) == ["OFFERS_BASE_URL", "OFFERS_REFRESH_TOKEN", "OFFERS_TIMEOUT_SECONDS", "OFFERS_SYNC_CONCURRENCY"])
        }
        #expect(throws: ConfigurationErrors.self) {
            try OffersConfiguration(environment: ["OFFERS_BASE_URL": "http://x", "OFFERS_REFRESH_TOKEN_FILE": "/t"],
                                    readFile: { _ in "\n" })
        }
    }

    @Test func theSummaryLineSaysWhatFailed() {
        var summary = OfferSyncSummary()
        summary.registered = 2
        summary.unchanged = 3
        summary.seconds = 1.234
        #expect(summary.line == "sync-offers: registered=2 refreshed=0 unchanged=3 failed=0 seconds=1.23")
        #expect(summary.exitCode == 0)
        summary.failed = 2
        summary.failureReasons = ["timed out after 10 s": 2]
        #expect(summary.exitCode == 1)
        #expect(summary.line.hasSuffix(#"failed=2 seconds=1.23 status=failed reasons="2 timed out after 10 s""#), "\(summary.line)")
    }
}
