import Core
import Logging

/// The logging backend of `catalog serve`: like `Startup.bootstrapLogging`, but the format
/// and level are read when each logger is made, so a reload (`HUP`) that changes
/// `CATALOG_LOG_FORMAT`/`CATALOG_LOG_LEVEL` applies to the new generation of workers
/// (and to the master's logger, which it re-makes).
enum ReloadableLogging {
    nonisolated(unsafe) static var format = LogFormat.logfmt
    nonisolated(unsafe) static var level = Logger.Level.info

    static func bootstrap(_ configuration: ServiceConfiguration) {
        apply(configuration)
        LoggingSystem.bootstrap { label in
            LogLineHandler(label: label, format: ReloadableLogging.format, level: ReloadableLogging.level)
        }
    }

    static func apply(_ configuration: ServiceConfiguration) {
        format = configuration.logFormat
        level = configuration.logLevel
    }
}
