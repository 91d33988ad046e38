import Core
import Foundation
import Testing
import TestSupport

/// The FastCGI bridge fed what nginx never sends, straight on the workers' socket: no
/// method, no URI, a `CONTENT_LENGTH` that is negative, not a number, past 2^63 or
/// larger than the body, invalid UTF-8, thousands of headers, and bytes that are not
/// FastCGI at all. Every request gets a status (400 for params that make no request,
/// 413 for a length over the limit), and no worker dies.
@Suite(.serialized) struct FastCGIBridgeTests {
    private func params(_ pairs: [(String, String)]) -> [([UInt8], [UInt8])] {
        pairs.map { (Array($0.0.utf8), Array($0.1.utf8)) }
    }

    private func post(contentLength: String?, body: [UInt8] = Array("{}".utf8), extra: [(String, String)] = []) -> [([UInt8], [UInt8])] {
        var pairs = [("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/products"), ("QUERY_STRING", ""), ("CONTENT_TYPE", "application/json"),
                     ("HTTP_AUTHORIZATION", "Bearer \(Auth.adminToken)")]
        if let contentLength { pairs.append(("CONTENT_LENGTH", contentLength)) }
        return params(pairs + extra)
    }

    @Test func oddParamsGetAStatusAndNoWorkerDies() throws {
        let crashedBefore = try PoolHealth.crashedWorkers()
        let body = Array("{}".utf8)
        let cases: [(String, [([UInt8], [UInt8])], [UInt8], ClosedRange<Int>)] = [
            ("no REQUEST_METHOD", params([("REQUEST_URI", "/healthz")]), [], 400...400),
            ("no REQUEST_URI", params([("REQUEST_METHOD", "GET")]), [], 400...400),
            ("no params at all", [], [], 400...400),
            ("an empty method", params([("REQUEST_METHOD", ""), ("REQUEST_URI", "/healthz")]), [], 400...400),
            ("a method with a space", params([("REQUEST_METHOD", "G ET"), ("REQUEST_URI", "/healthz")]), [], 400...400),
            ("CONTENT_LENGTH -5", post(contentLength: "-5"), body, 400...400),
            ("CONTENT_LENGTH +2", post(contentLength: "+2"), body, 400...400),
            ("CONTENT_LENGTH ' 2'", post(contentLength: " 2"), body, 400...400),
            ("CONTENT_LENGTH 0x10", post(contentLength: "0x10"), body, 400...400),
            ("CONTENT_LENGTH 1e3", post(contentLength: "1e3"), body, 400...400),
            ("CONTENT_LENGTH abc", post(contentLength: "abc"), body, 400...400),
            ("CONTENT_LENGTH past 2^63", post(contentLength: "99999999999999999999999999"), body, 413...413),
            ("CONTENT_LENGTH 2^63", post(contentLength: "9223372036854775808"), body, 413...413),
            ("CONTENT_LENGTH over the limit", post(contentLength: "2000000"), body, 413...413),
            ("CONTENT_LENGTH longer than the body", post(contentLength: "100", body: Array(#"{"name":"x""#.utf8)), Array(#"{"name":"x""#.utf8), 400...400),
            ("CONTENT_LENGTH shorter than the body", post(contentLength: "2"), Array(#"{}{"name":1}"#.utf8), 422...422),
            // No length is no body (what nginx sends for a request without one): empty is not JSON.
            ("no CONTENT_LENGTH", post(contentLength: nil), body, 400...400),
            ("an empty CONTENT_LENGTH", post(contentLength: ""), body, 400...400),
            ("invalid UTF-8 everywhere",
             [(Array("REQUEST_METHOD".utf8), Array("GET".utf8)), (Array("REQUEST_URI".utf8), [0x2F, 0x70, 0xFF, 0xFE]),
              (Array("QUERY_STRING".utf8), [0x6C, 0x69, 0x6D, 0x69, 0x74, 0x3D, 0xC0, 0x80]), (Array("HTTP_X_REQUEST_ID".utf8), [0xFF]),
              ([0x48, 0x54, 0x54, 0x50, 0x5F, 0xFF], Array("x".utf8))], [], 400...499),
            ("a garbage query", params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/products"),
                                        ("QUERY_STRING", "limit=%zz&cursor=%00&limit=5&&=&%=%%")]), [], 200...499),
            ("a 60 KB query", params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/products"),
                                      ("QUERY_STRING", "q=" + String(repeating: "%41", count: 20_000))]), [], 422...422),
            ("5,000 headers", params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz")]
                                     + (0..<5_000).map { ("HTTP_X_FUZZ_\($0)", String(repeating: "v", count: 20)) }), [], 200...200),
            ("a header name that is not a token", params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz"), ("HTTP_A(B)", "x"), ("HTTP_", "y")]), [], 200...200),
        ]
        for (label, pairs, stdin, expected) in cases {
            let answer = try FastCGIClient.exchange(params: pairs, stdin: stdin)
            #expect(answer.ended, "\(label): the worker ended the request")
            #expect(answer.status.map(expected.contains) == true, "\(label): status \(String(describing: answer.status)), expected \(expected)")
        }
        #expect(try PoolHealth.crashedWorkers() == crashedBefore, "no worker crashed")
    }

    /// An answer larger than libfcgi's 8 KB buffer is written as records of its own
    /// (`FastCGIExchange.writeRecords`): the OpenAPI document (~90 KB, two records) arrives
    /// whole, head then body, ended, and is what nginx delivers.
    @Test func aLargeAnswerArrivesWholeInRecordsOfItsOwn() throws {
        let answer = try FastCGIClient.exchange(params: params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/openapi.json"),
                                                                ("QUERY_STRING", "")]))
        #expect(answer.ended && answer.status == 200)
        let separator = Array("\r\n\r\n".utf8)
        let end = try #require((0..<answer.stdout.count - 3).first { Array(answer.stdout[$0..<$0 + 4]) == separator })
        let head = String(decoding: answer.stdout[..<end], as: UTF8.self)
        let body = Array(answer.stdout[(end + 4)...])
        #expect(body.count > 65_535, "more than one record's worth: \(body.count) bytes")
        #expect(head.components(separatedBy: "\r\n").contains("Content-Length: \(body.count)"), "\(head)")
        #expect((try? JSONSerialization.jsonObject(with: Data(body))) != nil, "the body is the whole JSON document")
        #expect(try HTTP.get("/openapi.json").body == body, "what nginx delivers")
    }

    /// A connection nginx does not keep (no FCGI_KEEP_CONN, the default) is closed as soon
    /// as the answer is written and the input read to its end (`Worker.finish`), not after
    /// libfcgi's lingering close, which waits up to 2 s for the peer to close first. Here
    /// the peer never closes: each answer must still end (EOF) at once, whole: a GET, a
    /// POST whose body was read, and a POST over the body limit whose body the worker
    /// answers 413 without reading (2 MB, read to the end afterwards).
    @Test func anUnkeptConnectionIsClosedAsSoonAsItsAnswerIsWritten() throws {
        let get = params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz"), ("QUERY_STRING", "")])
        let overLimit = 2_000_000  // over the body limit, as in oddParamsGetAStatusAndNoWorkerDies
        let cases: [(String, [([UInt8], [UInt8])], [UInt8], Int)] = [
            ("GET /healthz", get, [], 200),
            ("POST, body read", post(contentLength: "2", extra: []).filter { $0.0 != Array("HTTP_AUTHORIZATION".utf8) }, Array("{}".utf8), 401),
            ("POST over the limit, body unread", post(contentLength: String(overLimit)), [UInt8](repeating: 0x20, count: overLimit), 413),
        ]
        for (label, pairs, stdin, status) in cases {
            let started = Date()
            let answer = try FastCGIClient.exchange(params: pairs, stdin: stdin, closingFirst: false)
            let seconds = Date().timeIntervalSince(started)
            #expect(answer.ended && answer.status == status, "\(label): \(String(describing: answer.status))")
            #expect(seconds < 1, "\(label): the worker closed after \(seconds) s")
        }
    }

    @Test func bytesThatAreNotFastCGIDoNotKillAWorker() throws {
        let run = FuzzRun()
        let crashedBefore = try PoolHealth.crashedWorkers()
        let valid = Array("\u{1}\u{1}\u{0}\u{1}\u{0}\u{8}\u{0}\u{0}\u{0}\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}".utf8)  // a BEGIN_REQUEST record
        for number in 0..<50 {
            var generator = run.generator(stream: 20, case: number)
            let bytes = number % 2 == 0
                ? HostileJSON.mutate(valid + Array("\u{4}".utf8), using: &generator)
                : (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try FastCGIClient.send(bytes)  // any answer, or none: the connection just ends
        }
        #expect(try HTTP.get("/healthz").status == 200, "the pool still serves")
        #expect(try PoolHealth.crashedWorkers() == crashedBefore, "no worker crashed")
    }
}
