import Core
import Foundation
import Testing

/// The live stack `make test` starts (PostgreSQL, `catalog serve`, nginx) and tells the
/// tests about through the environment (see scripts/stack.sh). These tests never start
/// their own fakes: every request goes client → nginx → FastCGI worker → PostgreSQL.
enum TestStack {
    static let environment = ProcessInfo.processInfo.environment

    static func required(_ name: String) -> String {
        guard let value = environment[name], !value.isEmpty else {
            fatalError("\(name) is not set: run the tests with `make test`, which starts the stack they need")
        }
        return value
    }

    /// `http://127.0.0.1:PORT` of the stack's nginx.
    static var baseURL: String { required("CATALOG_BASE_URL") }
    static var port: UInt16 { UInt16(baseURL.split(separator: ":").last!)! }
    static var databaseURL: String { required("DATABASE_URL") }

    /// The pid of the `catalog serve` master.
    static var masterPID: pid_t {
        let path = required("CATALOG_MASTER_PID_FILE")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    /// A direct database connection, for asserting on stored state.
    static func database() throws -> PostgresConnection {
        try PostgresConnection(url: databaseURL)
    }

    /// A short random tag that keeps one test's rows apart from every other's.
    static func uniqueTag(_ prefix: String = "t") -> String {
        prefix + "-" + Hex.encode(SecureRandom.bytes(5))
    }

    /// The pids whose parent is `parent` (the master's workers).
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == parent else { return nil }
            return pid
        }.sorted()
    }
}
