import Logging

/// What a handler gets besides the request: the worker's database, the ids captured from
/// the path, and a logger that carries the request id.
///
/// A context lives for one request. The database is the worker's single pooled connection,
/// so a handler never opens connections itself.
public struct RequestContext {
    public let database: Database
    public let configuration: ServiceConfiguration
    public internal(set) var parameters: PathParameters
    public var logger: Logger
    /// The authenticated caller; set by the responder for routes that are not public.
    public internal(set) var principal: Principal?

    /// The caller of a route that requires sign-in (a programming error on a public route).
    public var caller: Principal {
        guard let principal else { preconditionFailure("caller used on a public route") }
        return principal
    }

    public init(database: Database, configuration: ServiceConfiguration, logger: Logger, parameters: PathParameters = PathParameters(), principal: Principal? = nil) {
        self.principal = principal
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.parameters = parameters
    }
}
