import Core
import Foundation
import Testing

/// The JSON limits as an operator sets them: one variable each, validated, every bad
/// value reported by name.
@Suite struct ServiceConfigurationTests {
    private let base = ["DATABASE_URL": "postgres:///catalog", "CATALOG_JWT_SECRET": String(repeating: "s", count: 32)]

    @Test func jsonLimitsDefaultToTheRequestBodyLimits() throws {
        #expect(try ServiceConfiguration(environment: base).jsonLimits == .requestBody)
        for setting in ServiceConfiguration.jsonLimitSettings {
            #expect(setting.range.contains(JSONParser.Limits.requestBody[setting.limit]), "the default of \(setting.variable) is allowed")
        }
        #expect(Set(ServiceConfiguration.jsonLimitSettings.map(\.limit)) == Set(JSONParser.Limit.allCases), "every limit has a variable")
    }

    @Test func eachJSONLimitIsSetByItsVariable() throws {
        var environment = base
        for (offset, setting) in ServiceConfiguration.jsonLimitSettings.enumerated() {
            environment[setting.variable] = String(setting.range.lowerBound + offset)
        }
        let limits = try ServiceConfiguration(environment: environment).jsonLimits
        for (offset, setting) in ServiceConfiguration.jsonLimitSettings.enumerated() {
            #expect(limits[setting.limit] == setting.range.lowerBound + offset, "\(setting.variable)")
        }
    }

    @Test func badJSONLimitsAreAllReportedByName() {
        var environment = base
        let bad = ["0", "-1", "abc", "1e3", String(Int.max) + "0"]
        for (index, setting) in ServiceConfiguration.jsonLimitSettings.enumerated() {
            environment[setting.variable] = bad[index % bad.count]
        }
        do {
            _ = try ServiceConfiguration(environment: environment)
            Issue.record("bad limits must be refused")
        } catch {
            #expect(error.errors.map(\.variable) == ServiceConfiguration.jsonLimitSettings.map(\.variable))
        }
        environment = base
        let members = ServiceConfiguration.jsonLimitSettings[0]
        environment[members.variable] = String(members.range.upperBound + 1)
        #expect(throws: ConfigurationErrors.self) { try ServiceConfiguration(environment: environment) }
    }

    /// The README's table and the example environment file say what the code does.
    @Test func theREADMEAndTheExampleEnvironmentListEveryJSONLimit() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent("deploy/catalog.env.example"), encoding: .utf8)
        func grouped(_ number: Int) -> String {
            let digits = Array(String(number))
            return String(digits.enumerated().flatMap { index, digit in
                index > 0 && (digits.count - index) % 3 == 0 ? [",", digit] : [digit]
            })
        }
        for setting in ServiceConfiguration.jsonLimitSettings {
            let value = JSONParser.Limits.requestBody[setting.limit]
            #expect(readme.contains("| `\(setting.variable)` | `\(value)` |"), "README row of \(setting.variable) with its default")
            #expect(readme.contains("(\(grouped(setting.range.lowerBound))–\(grouped(setting.range.upperBound)))"), "README range of \(setting.variable)")
            #expect(example.contains("#\(setting.variable)=\(value)"), "catalog.env.example line of \(setting.variable)")
        }
    }
}
