import Core
import Foundation
import ProcessPool

/// Resolving the process manager's settings (`PoolSettings`, in ProcessPool) from the
/// command line (which wins) and the environment (`CATALOG_*`, plus an optional env
/// file), at start and on every `HUP`.
extension PoolSettings {
    /// What the command line fixed; `nil` means "from the environment, or the default".
    struct Overrides {
        var workers: Int?
        var gracefulTimeout: Double?
        var timeout: Double?
        var maxRequests: Int?
        var maxRequestsJitter: Int?
        var maxStartFailures: Int?
    }

    /// Resolves the settings; every invalid value is reported.
    static func resolve(_ overrides: Overrides, environment: [String: String]) throws(ConfigurationErrors) -> PoolSettings {
        var reader = EnvironmentReader(environment)
        func number(_ name: String, _ flag: Int?, default value: Int, _ range: ClosedRange<Int>) -> Int {
            if let flag {
                if !range.contains(flag) { reader.fail("--\(name)", "must be from \(range.lowerBound) to \(range.upperBound), got \(flag)") }
                return flag
            }
            return reader.integer("CATALOG_" + name.uppercased().replacingOccurrences(of: "-", with: "_"), default: value, range: range)
        }
        func seconds(_ name: String, _ flag: Double?, default value: Double, _ range: ClosedRange<Double>) -> Double {
            let variable = "CATALOG_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let flag {
                if !range.contains(flag) { reader.fail("--\(name)", "must be from \(range.lowerBound) to \(range.upperBound) seconds, got \(flag)") }
                return flag
            }
            guard let text = reader.value(variable) else { return value }
            guard let parsed = Double(text), range.contains(parsed) else {
                reader.fail(variable, "must be a number of seconds from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
                return value
            }
            return parsed
        }
        let settings = PoolSettings(
            workers: number("workers", overrides.workers, default: 4, 1...256),
            gracefulTimeout: seconds("graceful-timeout", overrides.gracefulTimeout, default: 30, 0...3600),
            timeout: seconds("timeout", overrides.timeout, default: 30, 0.5...86_400),
            maxRequests: number("max-requests", overrides.maxRequests, default: 0, 0...100_000_000),
            maxRequestsJitter: number("max-requests-jitter", overrides.maxRequestsJitter, default: 0, 0...100_000_000),
            maxStartFailures: number("max-start-failures", overrides.maxStartFailures, default: 10, 1...1000),
            testRoutes: environment["CATALOG_ENABLE_TEST_ROUTES"] == "1")
        try reader.finish()
        return settings
    }
}

/// An `EnvironmentFile=`-style file: `NAME=value` lines, `#`/`;` comments, optional
/// `export ` prefix, values optionally in single or double quotes.
enum EnvironmentFile {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws(ReadError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ReadError(description: "cannot read env file \(path): \(String(cString: strerror(errno)))")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String = "env file") throws(ReadError) -> [String: String] {
        var result: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ReadError(description: "\(path):\(number + 1): expected NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }), !name.first!.isNumber else {
                throw ReadError(description: "\(path):\(number + 1): \"\(name)\" is not a variable name")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
                if first == "\"" {
                    value = value.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
            }
            result[name] = value
        }
        return result
    }
}

/// Where `catalog serve` reads its configuration from, at start and on every `HUP`: the
/// process environment, overlaid with the env file if one is configured (`--env-file` or
/// `CATALOG_ENV_FILE`; under systemd the same file as `EnvironmentFile=`, which systemd
/// itself reads only at start), then the command-line overrides.
struct ConfigurationSource {
    let overrides: PoolSettings.Overrides
    let envFile: String?

    struct Loaded {
        let configuration: ServiceConfiguration
        let settings: PoolSettings
        let environment: [String: String]
    }

    /// Every problem found, one line each.
    struct Problems: Error {
        let lines: [String]
    }

    func load() throws(Problems) -> Loaded {
        var environment = ProcessInfo.processInfo.environment
        if let envFile {
            do {
                for (name, value) in try EnvironmentFile.read(envFile) { environment[name] = value }
            } catch {
                throw Problems(lines: [error.description])
            }
        }
        var lines: [String] = []
        var configuration: ServiceConfiguration?
        var settings: PoolSettings?
        do { configuration = try ServiceConfiguration(environment: environment) } catch { lines += error.errors.map(\.description) }
        do { settings = try PoolSettings.resolve(overrides, environment: environment) } catch { lines += error.errors.map(\.description) }
        guard let configuration, let settings else { throw Problems(lines: lines) }
        return Loaded(configuration: configuration, settings: settings, environment: environment)
    }
}
