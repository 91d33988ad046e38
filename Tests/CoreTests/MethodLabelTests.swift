import Core
import HTTPTypes
import Logging
import Testing

/// Metrics label the method only with methods the service knows.
@Suite struct MethodLabelTests {
    @Test func everyRoutedMethodKeepsItsName() {
        let service = CatalogService(configuration: ServiceConfiguration(databaseURL: "postgres://unused@127.0.0.1:1/none"),
                                     logger: Logger(label: "test"))
        for route in service.router.routes {
            #expect(MethodLabel.label(for: route.method) == route.method.rawValue, "\(route.method) \(route.path)")
        }
        #expect(MethodLabel.label(for: .head) == "HEAD")
        #expect(MethodLabel.label(for: .options) == "OPTIONS")
    }

    @Test func anyOtherMethodIsOneLabel() throws {
        for name in ["FOOBAR", "PROPFIND", "get", "BREW", "X-" + String(repeating: "A", count: 100)] {
            let method = try #require(HTTPRequest.Method(name))
            #expect(MethodLabel.label(for: method) == MethodLabel.other, "\(name)")
        }
    }
}
