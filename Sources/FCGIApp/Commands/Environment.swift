import Core
import Foundation
import Logging

/// Start-up chores shared by the subcommands: configuration from the environment and the
/// process-wide logging backend.
enum Startup {
    /// Reads and validates the configuration, or prints every problem and exits 78
    /// (EX_CONFIG, which systemd reports as a configuration error).
    /// `serving` is false for the tools, which need no token secret.
    static func configuration(serving: Bool = false) -> ServiceConfiguration {
        do {
            return try ServiceConfiguration(environment: environment(), requireTokenSecret: serving)
        } catch {
            for problem in error.errors { printError("configuration: \(problem)") }
            exit(78)
        }
    }

    /// The process environment, overlaid with the file named by `$CATALOG_ENV_FILE` when
    /// it is set, as `serve --env-file` does. So the tools read the service's own file:
    /// `CATALOG_ENV_FILE=/etc/catalog/catalog.env catalog migrate` needs no copy of the
    /// settings in a shell (where a DATABASE_URL with `&` would not even parse). A file
    /// that cannot be read or parsed exits 78, like any other bad setting.
    static func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        guard let path = environment["CATALOG_ENV_FILE"], !path.isEmpty else { return environment }
        do {
            for (name, value) in try EnvironmentFile.read(path) { environment[name] = value }
        } catch {
            printError("configuration: \(error.description)")
            exit(78)
        }
        return environment
    }

    /// Installs the stderr line logger. Must run once, before any logger is made.
    static func bootstrapLogging(_ configuration: ServiceConfiguration) {
        let format = configuration.logFormat
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in LogLineHandler(label: label, format: format, level: level) }
    }

    static func printError(_ message: String) {
        let line = Array((message + "\n").utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
