@testable import Core
import Foundation
import Testing

/// The `?q=` rule (`ProductSearch.problem`) and the pattern the OpenAPI document gives
/// clients for it accept exactly the same terms.
@Suite struct ProductSearchTests {
    private static let terms = [
        "abc", "ab", "a", "a-b-c", "x-100", "100", "99", "  ab c", "Café", "ééé", "日本語",
        "ab%c_", "%%%", "abc def", "a1b", "a 1 b", "Zz9", "abc\u{0}", String(repeating: "a", count: 200),
    ]

    @Test func theRuleAndTheOpenAPIPatternAgree() throws {
        guard case .object(let schema) = ProductSearch.openAPISchema, case .string(let pattern)? = schema["pattern"] else {
            Issue.record("no pattern")
            return
        }
        let regex = try NSRegularExpression(pattern: pattern)
        for term in Self.terms {
            let matches = regex.firstMatch(in: term, range: NSRange(term.startIndex..., in: term)) != nil
            #expect(matches == (ProductSearch.problem(term) == nil), "\(term)")
        }
        #expect(ProductSearch.problem("abc") == nil)
        #expect(ProductSearch.problem("ab") != nil)
        #expect(ProductSearch.problem("a-b-c") != nil)
        #expect(ProductSearch.problem(String(repeating: "a", count: 201)) != nil)
    }
}
