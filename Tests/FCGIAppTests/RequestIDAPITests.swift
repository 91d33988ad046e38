import Core
import Foundation
import Testing

/// One id per request through the stack: the `X-Request-ID` response header, nginx's
/// access log and the service's log line carry the same id, kept from the client when it
/// follows `RequestID.pattern`, nginx's `$request_id` otherwise.
@Suite struct RequestIDAPITests {
    /// The lines of `file` containing each marker, waiting until all are there: nginx
    /// writes its access log in buffers flushed every second.
    private static func lines(in file: String, containing markers: [String]) -> [String?] {
        var found: [String?] = Array(repeating: nil, count: markers.count)
        for _ in 0..<50 {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let all = text.split(separator: "\n")
            found = markers.map { marker in all.last { $0.contains(marker) }.map(String.init) }
            if !found.contains(nil) { break }
            usleep(100_000)
        }
        return found
    }

    /// Sends `GET /no-such-path?probe=TAG` with each id, and returns for each the id of the
    /// response, the id of nginx's access-log line (`request_id=` in deploy/nginx.conf's
    /// log_format) and whether the service logged its line with the response's id. A 404,
    /// because the service logs a request at the default level only when it answered a
    /// problem or took long (`CatalogService.requestLogLevel`); a fast 200 is `debug`.
    private static func probe(_ ids: [String]) throws -> [(response: String?, nginx: String?, serviceLogged: Bool)] {
        var tags: [String] = [], responseIDs: [String?] = []
        for id in ids {
            let tag = TestStack.uniqueTag("probe")
            let response = try HTTP.get("/no-such-path?probe=\(tag)", headers: [("X-Request-ID", id)])
            #expect(response.status == 404)
            tags.append(tag)
            responseIDs.append(response.header("X-Request-ID"))
        }
        let access = lines(in: TestStack.required("CATALOG_NGINX_ACCESS_LOG"), containing: tags.map { "probe=\($0) " })
        let service = lines(in: TestStack.required("CATALOG_LOG_FILE"), containing: responseIDs.map { "request_id=\($0 ?? "-") " })
        return ids.indices.map { index in
            let nginxID = access[index]?.split(separator: " ").first { $0.hasPrefix("request_id=") }
                .map { String($0.dropFirst("request_id=".count)) }
            return (responseIDs[index], nginxID, service[index] != nil)
        }
    }

    @Test func anIdWithColonsSlashesAndPlusesIsKeptEverywhere() throws {
        let ids = ["svc:\(TestStack.uniqueTag())/span+1@edge", "urn:uuid:" + UUID().uuidString,
                   String(repeating: "a", count: 117) + TestStack.uniqueTag("")]  // 128 bytes, the longest kept
        #expect(ids.allSatisfy { $0.utf8.count <= RequestID.maximumLength })
        for (id, seen) in zip(ids, try Self.probe(ids)) {
            #expect(seen.response == id)
            #expect(seen.nginx == id, "nginx logged \(String(describing: seen.nginx))")
            #expect(seen.serviceLogged, "the service's log line carries \(id)")
        }
    }

    @Test func aJunkOrOverlongIdIsReplacedByNginxsOwnEverywhere() throws {
        let junk = [String(repeating: "x", count: 129) + TestStack.uniqueTag(""), "has space", "quote\"d", "semi;colon",
                    "per%cent", "caf\u{E9}", "{curly}"]
        for (sent, seen) in zip(junk, try Self.probe(junk)) {
            let id = try #require(seen.response)
            #expect(id != sent)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit), "nginx's $request_id, got \(id)")
            #expect(seen.nginx == id, "nginx logged \(String(describing: seen.nginx)) for \(sent.debugDescription)")
            #expect(seen.serviceLogged, "the service's log line carries \(id)")
        }
    }
}
