import Core
import Foundation
import Testing

/// Clients cannot create metrics label values: methods the service does not know are
/// counted under one `OTHER` label.
@Suite struct MetricsCardinalityTests {
    private static func sample(_ text: String, _ series: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
    }

    @Test func unknownMethodsAddNoLabelValues() throws {
        let series = #"catalog_http_requests_total{method="OTHER",route="-",status="405"}"#
        let before = Self.sample(try HTTP.get("/metrics").text, series)
        let names = (0..<6).map { _ in "ZQ" + String((0..<10).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".randomElement()! }) }
        for name in names {
            let response = try HTTP.send(name, "/products")
            Fixtures.expectProblem(response, 405)
        }
        let metrics = try HTTP.get("/metrics")
        #expect(metrics.status == 200)
        for name in names {
            #expect(!metrics.text.contains(name), "no series names the method \(name)")
        }
        #expect(Self.sample(metrics.text, series) - before == Double(names.count), "they are counted under OTHER")
    }
}
