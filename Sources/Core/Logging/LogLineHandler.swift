import Foundation
import Logging

/// The format of log lines on stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `ts=… level=info msg="…" key=value`, readable in `journalctl` and greppable.
    case logfmt
    /// One JSON object per line, for log shippers.
    case json
}

/// A swift-log handler that writes one line per event to stderr.
///
/// Each line is written with a single `write(2)`, so lines from the master and from the
/// workers, which share the same stderr, never interleave mid-line. journald (or the dev
/// stack's log file) keeps them with the process id.
public struct LogLineHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: LogFormat

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", event.level.rawValue),
            ("pid", String(getpid())),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line = format == .json ? Self.json(fields) : Self.logfmt(fields)
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" }
            guard needsQuotes else { return "\(key)=\(value)" }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    static func json(_ fields: [(String, String)]) -> String {
        JSONValue.object(JSONObject(fields.map { ($0.0, JSONValue.string($0.1)) })).encodedString
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }
}
