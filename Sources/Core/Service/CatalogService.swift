import Foundation
import HTTPTypes
import Logging

/// The whole service as a function from request to response.
///
/// It owns the route table (every module registers into it), the worker's database, and
/// the rules every request shares: body-size limit, error-to-problem translation,
/// `If-None-Match`, the `X-Request-ID` echo and one access-log line per request. The
/// FastCGI worker feeds it requests; tests call `respond(to:)` directly.
public final class CatalogService {
    public let router: Router
    public let configuration: ServiceConfiguration
    public let database: Database
    public let logger: Logger
    /// The OpenAPI document as served, for tests and tools.
    public let openAPIDocument: JSONValue
    /// Checks bearer tokens for routes that are not public.
    public let authenticator: RequestAuthenticator
    /// Per-request observations and `/metrics`, supplied by the hosting process.
    public let instrumentation: ServiceInstrumentation?

    /// Admission to password hashing; pool-wide when the host supplies it.
    public let passwordWork: PasswordWork

    public init(configuration: ServiceConfiguration, logger: Logger, database: Database? = nil, instrumentation: ServiceInstrumentation? = nil,
                passwordAdmission: (any PasswordWorkAdmission)? = nil) {
        self.configuration = configuration
        self.instrumentation = instrumentation
        self.logger = logger
        self.database = database ?? Database(
            url: configuration.databaseURL,
            mode: configuration.databaseStatements,
            replicaURLs: configuration.databaseReadURLs,
            replicaPolicy: configuration.readReplicaPolicy,
            logger: logger)
        let tokens = TokenAuthenticator(settings: configuration.auth)
        let passwords = PasswordWork(
            admission: passwordAdmission ?? LocalPasswordWorkAdmission(slots: configuration.passwordSlots),
            niceIncrement: Int32(configuration.passwordNice))
        passwordWork = passwords
        authenticator = tokens
        let document = OpenAPIBody()
        var router = Router()
        ServiceRoutes.register(in: &router, document: document, instrumentation: instrumentation)
        AccountRoutes.register(in: &router, tokens: tokens, passwords: passwords, throttle: LoginThrottle.Policy(),
                               instrumentation: instrumentation)
        UserRoutes.register(in: &router, hasher: passwords)
        ProductRoutes.register(in: &router)
        PriceHistoryRoutes.register(in: &router)
        LibraryRoutes.register(in: &router)
        self.router = router
        openAPIDocument = OpenAPIDocument.build(
            routes: router.routes,
            schemas: ServiceRoutes.schemas + UserRoutes.schemas + ProductRoutes.schemas + PriceHistoryRoutes.schemas
                + LibraryRoutes.schemas,
            version: CatalogVersion.current)
        document.bytes = openAPIDocument.encoded
        document.etag = ETag.strong(for: document.bytes)
    }

    /// Answers one request. Never throws: every failure becomes a problem document.
    public func respond(to request: Request) -> Response {
        let started = Self.monotonicSeconds()
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = "\(request.requestID)"
        var response: Response
        var routePath = "-"
        var operation: Operation?
        if request.bodyTooLarge {
            response = APIError.payloadTooLarge(limit: configuration.maxBodyBytes).response
        } else {
            switch router.resolve(request.method, request.path) {
            case .matched(let admission, let parameters, let route):
                routePath = route.path
                operation = route.operation
                let context = RequestContext(database: database, configuration: configuration, logger: requestLogger, parameters: parameters)
                do {
                    let handler = try admission(request, database, authenticator)
                    response = try database.routingReads(toReplicas: Self.isAnonymousRead(request, route.operation)) {
                        try handler(request, context)
                    }
                } catch {
                    response = Self.response(for: error, logger: requestLogger)
                }
            case .methodNotAllowed(let allowed):
                response = APIError.methodNotAllowed(allowed: allowed).response
            case .notFound:
                response = APIError.notFound("There is no resource at this path.").response
            }
        }
        response = request.applyingIfNoneMatch(to: response)
        if let operation { response = applyingCachePolicy(to: response, for: request, operation: operation) }
        response.headers[.xRequestID] = request.requestID
        let seconds = Self.monotonicSeconds() - started
        instrumentation?.requestFinished(method: MethodLabel.label(for: request.method), route: routePath, status: response.status.code, seconds: seconds)
        let milliseconds = seconds * 1000
        requestLogger.log(level: Self.requestLogLevel(status: response.status.code, seconds: seconds), "request", metadata: [
            "method": "\(request.method.rawValue)",
            "path": "\(request.path)",
            "route": "\(routePath)",
            "status": "\(response.status.code)",
            "duration_ms": "\(Self.twoDecimals(milliseconds))",
        ])
        return response
    }

    /// The level of a request's log line: `info` for a problem the service answered (4xx,
    /// 5xx) or a request slower than `slowRequestSeconds`, `debug` for the rest.
    ///
    /// nginx's access log already has every request, with the same request id, status and
    /// upstream time, and `/metrics` counts them by route and status; a second line per
    /// request in the service's log cost the worker ~25 µs of its ~145 µs per by-id read
    /// (formatting and the write; measured from /proc, -c32, `CATALOG_LOG_LEVEL=info`
    /// against `warning`: ~+11 % req/s), and more where journald takes stderr. So at the
    /// default level the log has the requests worth reading, and `CATALOG_LOG_LEVEL=debug`
    /// brings back a line for every request.
    static func requestLogLevel(status: Int, seconds: Double) -> Logger.Level {
        status >= 400 || seconds >= slowRequestSeconds ? .info : .debug
    }

    /// A request's time past which its log line is `info` whatever its status.
    static let slowRequestSeconds = 1.0

    /// A read a replica may answer: a public route, GET or HEAD, no credentials. A caller
    /// who sends a token reads from the primary, so a writer always sees its own writes.
    static func isAnonymousRead(_ request: Request, _ operation: Operation) -> Bool {
        (request.method == .get || request.method == .head) && operation.access == .everyone
            && request.headers[.authorization] == nil
    }

    /// Translates any error into the response a client may see, logging what it may not.
    static func response(for error: any Error, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return error.response
        case let error as DatabaseError:
            let apiError = APIError(error)
            if apiError == .internalError {
                logger.error("database error", metadata: ["error": "\(error)"])
            } else {
                logger.warning("database unavailable", metadata: ["error": "\(error)"])
            }
            return apiError.response
        default:
            logger.error("unhandled error", metadata: ["error": "\(error)"])
            return APIError.internalError.response
        }
    }

    /// `12.34` without Foundation's `String(format:)`, which is slow on the hot path.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func monotonicSeconds() -> Double { Database.monotonicSeconds() }
}
