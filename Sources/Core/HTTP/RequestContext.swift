import Logging

/// What a handler gets besides the request: the worker's database, the ids captured from
/// the path, and a logger that carries the request id. The caller is not here: a route
/// registered with an `AccessRule` hands it to its handler as a parameter.
///
/// A context lives for one request. The database is the worker's single pooled connection,
/// so a handler never opens connections itself.
public struct RequestContext {
    public let database: Database
    public let configuration: ServiceConfiguration
    public internal(set) var parameters: PathParameters
    public var logger: Logger

    public init(database: Database, configuration: ServiceConfiguration, logger: Logger, parameters: PathParameters = PathParameters()) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.parameters = parameters
    }
}
