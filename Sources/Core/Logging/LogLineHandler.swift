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
        var line = ""
        line.reserveCapacity(256)
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += " " }
            line += key
            line += "="
            // Scanned as UTF-8 bytes: this runs for every request's access-log line.
            let needsQuotes = value.isEmpty || value.utf8.contains { $0 == 0x20 || $0 == 0x3D || $0 == 0x22 || $0 == 0x0A || $0 == 0x5C }
            guard needsQuotes else {
                line += value
                continue
            }
            line += "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": line += "\\\\"
                case "\"": line += "\\\""
                case "\n": line += "\\n"
                default: line.unicodeScalars.append(scalar)
                }
            }
            line += "\""
        }
        return line
    }

    static func json(_ fields: [(String, String)]) -> String {
        JSONValue.object(JSONObject(fields.map { ($0.0, JSONValue.string($0.1)) })).encodedString
    }

    /// `2026-11-23T10:00:00.123Z`, formatted by hand: this runs for every request's
    /// access-log line, and Foundation's `String(format:)` costs more than the rest of it.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = ""
        text.reserveCapacity(24)
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var remaining = value
            while divisor > 0 {
                text.unicodeScalars.append(Unicode.Scalar(UInt8(48 + remaining / divisor)))
                remaining %= divisor
                divisor /= 10
            }
        }
        append(Int(parts.tm_year) + 1900, digits: 4); text += "-"
        append(Int(parts.tm_mon) + 1, digits: 2); text += "-"
        append(Int(parts.tm_mday), digits: 2); text += "T"
        append(Int(parts.tm_hour), digits: 2); text += ":"
        append(Int(parts.tm_min), digits: 2); text += ":"
        append(Int(parts.tm_sec), digits: 2); text += "."
        append(Int(now.tv_nsec / 1_000_000), digits: 3); text += "Z"
        return text
    }
}
