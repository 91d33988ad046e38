import Foundation
import Testing

/// Every statement in the sources is written as `SQL`, each value where it is used: no
/// hand-numbered `$n` in a string literal with a parallel array of values, and no row read
/// by column index where a decoder by type belongs.
@Suite struct SQLStyleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func noHandNumberedParametersOrPositionalDecodingInTheSources() throws {
        var found: [String] = []
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 50, "the sources were found")
        for file in files.sorted() {
            let path = "Sources/" + file
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for finding in Self.findings(in: text) {
                found.append("\(path):\(finding.line) (\(finding.declaration)): \(finding.what)")
            }
        }
        #expect(found.isEmpty, "write values in place (\"… \\(value) …\") and decode rows by type:\n\(found.joined(separator: "\n"))")
    }

    /// The scanner itself: what it reports and what it leaves alone.
    @Test func theScannerTellsLiteralsFromCode() {
        let code = #"""
            static func f() {
                let a = items.sorted { $0 < $1 }
                let b: SQL = "SELECT \(items.map { $0.id }) WHERE x = \(y)"
                db.query("SELECT 1 WHERE id = $1", [id])
                let c = row.int64(0)
                let d = """
                    DO $$ BEGIN END $$; SELECT $2
                    """
            }
            """#
        let findings = Self.findings(in: code)
        #expect(findings.map(\.line) == [4, 4, 5, 7])
        #expect(findings.map(\.what) == ["a hand-numbered parameter", "values passed as an array", "a column read by position", "a hand-numbered parameter"])
        #expect(findings.allSatisfy { $0.declaration == "f" })
    }

    struct Finding: Equatable {
        var line: Int
        var declaration: String
        var what: String
    }

    /// `$<digit>` inside a string literal (outside its interpolations and comments), a
    /// statement followed by an array of values in a `query(` call, and a positional read
    /// (`.int64(0)`), each with the name of the nearest function, static property or
    /// initialiser above it.
    static func findings(in text: String) -> [Finding] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var findings: [Finding] = []
        var declarations: [String] = []
        let declaration = try! Regex(#"\bfunc\s+([A-Za-z_][A-Za-z0-9_]*)|\bstatic\s+(?:let|var)\s+([A-Za-z_][A-Za-z0-9_]*)|\binit\("#)
        let positional = try! Regex(#"\.(?:int64|optionalInt64|string|optionalString|bool|timestamp|optionalTimestamp)\(\d"#)
        var current = "(file)"
        var inMultiline = false
        for (number, line) in lines.enumerated() {
            let code = Self.codeOutsideComment(line)
            if !inMultiline, let match = code.firstMatch(of: declaration) {
                current = (match.output[1].substring ?? match.output[2].substring).map(String.init) ?? "init"
            }
            declarations.append(current)
            // `$n` inside a literal: walk the characters, carrying the multi-line state.
            let characters = Array(line)
            var index = 0
            var inLiteral = inMultiline
            var interpolation = 0
            while index < characters.count {
                let rest = characters[index...]
                let character = characters[index]
                if interpolation > 0 {
                    if character == "(" { interpolation += 1 } else if character == ")" { interpolation -= 1 }
                } else if inLiteral {
                    if inMultiline, rest.starts(with: "\"\"\"") {
                        inMultiline = false
                        inLiteral = false
                        index += 3
                        continue
                    } else if character == "\"", !inMultiline {
                        inLiteral = false
                    } else if character == "\\" {
                        if rest.dropFirst().first == "(" { interpolation = 1 }
                        index += 2
                        continue
                    } else if character == "$", rest.dropFirst().first?.isNumber == true {
                        findings.append(Finding(line: number + 1, declaration: current, what: "a hand-numbered parameter"))
                    }
                } else if rest.starts(with: "//") {
                    break
                } else if rest.starts(with: "\"\"\"") {
                    inMultiline = true
                    inLiteral = true
                    index += 3
                    continue
                } else if character == "\"" {
                    inLiteral = true
                }
                index += 1
            }
            if code.contains(positional) {
                findings.append(Finding(line: number + 1, declaration: current, what: "a column read by position"))
            }
        }
        // A statement (a literal or a name) followed by an array of values in a call.
        let arrayCall = try! Regex(#"\.(?:query|queryPlannedForValues)\(\s*(?:"""[\s\S]*?"""|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.]*)\s*,\s*\["#)
        for match in text.matches(of: arrayCall) {
            let line = text[..<match.range.upperBound].filter { $0 == "\n" }.count
            findings.append(Finding(line: line + 1, declaration: declarations[line], what: "values passed as an array"))
        }
        return findings.sorted { ($0.line, $0.what) < ($1.line, $1.what) }
    }

    /// The line without a `//` comment that starts outside a string literal (good enough
    /// for declarations and calls, which do not span a literal's end).
    private static func codeOutsideComment(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " }
        return trimmed.hasPrefix("//") ? "" : line
    }
}
