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
            return try ServiceConfiguration(environment: ProcessInfo.processInfo.environment, requireTokenSecret: serving)
        } catch {
            for problem in error.errors { printError("configuration: \(problem)") }
            exit(78)
        }
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
