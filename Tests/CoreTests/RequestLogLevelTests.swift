@testable import Core
import Logging
import Testing

/// Which requests the service's log has at the default level (`CatalogService.requestLogLevel`):
/// problems and slow requests at `info`, everything else at `debug`.
@Suite struct RequestLogLevelTests {
    @Test func fastSuccessesAreDebugProblemsAndSlowRequestsInfo() {
        #expect(CatalogService.requestLogLevel(status: 200, seconds: 0.001) == .debug)
        #expect(CatalogService.requestLogLevel(status: 201, seconds: 0.3) == .debug)
        #expect(CatalogService.requestLogLevel(status: 304, seconds: 0.001) == .debug)
        #expect(CatalogService.requestLogLevel(status: 400, seconds: 0.001) == .info)
        #expect(CatalogService.requestLogLevel(status: 404, seconds: 0.001) == .info)
        #expect(CatalogService.requestLogLevel(status: 429, seconds: 0.001) == .info)
        #expect(CatalogService.requestLogLevel(status: 503, seconds: 0.001) == .info)
        #expect(CatalogService.requestLogLevel(status: 200, seconds: CatalogService.slowRequestSeconds) == .info)
        #expect(CatalogService.requestLogLevel(status: 200, seconds: 2.5) == .info)
    }
}
