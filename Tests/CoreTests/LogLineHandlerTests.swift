@testable import Core
import Testing

@Suite struct LogLineHandlerTests {
    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = LogLineHandler.logfmt([("msg", "request"), ("path", "/products/1"), ("detail", "two words"),
                                          ("quote", "say \"hi\"\nnow"), ("empty", ""), ("slash", "a\\b")])
        #expect(line == #"msg=request path=/products/1 detail="two words" quote="say \"hi\"\nnow" empty="" slash="a\\b""#)
    }

    @Test func jsonLinesAreJSON() throws {
        let line = LogLineHandler.json([("msg", "x \"y\""), ("status", "200")])
        #expect(try JSONParser.parse(line) == ["msg": "x \"y\"", "status": "200"])
    }
}
