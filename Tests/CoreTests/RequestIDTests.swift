import Core
import Foundation
import Logging
import Testing

/// The request-id rule is one rule: nginx keeps exactly the ids the service accepts, so
/// the id in nginx's access log, the service's log line and the response is one id.
@Suite struct RequestIDTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The regex of `map $http_x_request_id $catalog_request_id { ... }` in deploy/nginx.conf.
    private func nginxMapRegex() throws -> [String] {
        let config = try String(contentsOf: Self.repository.appendingPathComponent("deploy/nginx.conf"), encoding: .utf8)
        let lines = config.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(lines.firstIndex(of: "map $http_x_request_id $catalog_request_id {"))
        let end = try #require(lines[start...].firstIndex(of: "}"))
        // Each entry is `"~REGEX" $http_x_request_id;` (the default line maps to $request_id).
        return lines[(start + 1)..<end].compactMap { line in
            guard line.hasPrefix("\"~"), line.hasSuffix("$http_x_request_id;"),
                  let close = line.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 2)..<close])
        }
    }

    @Test func nginxKeepsExactlyTheIdsTheServiceDeclares() throws {
        #expect(try nginxMapRegex() == [RequestID.pattern])
        #expect(RequestID.pattern == #"^[A-Za-z0-9._:@+/=-]{1,128}\z"#)
    }

    /// `isAcceptable` is the pattern: checked for every byte value and at the length bounds
    /// with a regex engine reading `pattern` itself.
    @Test func theCheckAgreesWithThePattern() throws {
        let regex = try NSRegularExpression(pattern: RequestID.pattern)
        func regexAccepts(_ text: String) -> Bool {
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        var samples = (1...127).map { String(UnicodeScalar(UInt8($0))) + "a" }
        samples += (1...127).map { "a" + String(UnicodeScalar(UInt8($0))) }
        samples += ["", "é", "a\u{00A0}b", String(repeating: "a", count: 128), String(repeating: "a", count: 129),
                    "trace:1/2+3=4@x-y_z.w", "a b", "a\"b", "a\\b", "a;b"]
        var accepted = 0
        for sample in samples {
            #expect(RequestID.isAcceptable(sample) == regexAccepts(sample), "\(sample.debugDescription)")
            if RequestID.isAcceptable(sample) { accepted += 1 }
        }
        #expect(accepted > 100, "the samples exercise both outcomes")
    }

    /// A request that did not come through nginx (no `X-Request-ID`) still gets an id,
    /// on the response as on every other.
    @Test func theServiceGeneratesAnIdWhenNoneArrives() {
        let service = CatalogService(configuration: ServiceConfiguration(databaseURL: "postgres://unused@127.0.0.1:1/none"),
                                     logger: Logger(label: "test"))
        let response = service.respond(to: Request(.get, "/healthz"))
        #expect(response.status == .ok)
        let id = response.headers[RequestID.headerName] ?? ""
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit), "\(id)")
        let kept = service.respond(to: Request(.get, "/healthz", headers: [RequestID.headerName: "svc:a/b+c=d@e"]))
        #expect(kept.headers[RequestID.headerName] == "svc:a/b+c=d@e")
    }

    @Test func keepsAnAcceptableIdAndGeneratesOtherwise() {
        #expect(RequestID.resolve("svc:trace/42") == "svc:trace/42")
        for incoming in [nil, "", "has space", String(repeating: "x", count: 129)] as [String?] {
            let id = RequestID.resolve(incoming)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit), "\(String(describing: incoming))")
        }
        #expect(RequestID.resolve(nil) != RequestID.resolve(nil))
    }
}
