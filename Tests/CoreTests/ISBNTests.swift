import Core
import Testing

@Suite struct ISBNTests {
    @Test(arguments: [("978-0-306-40615-7", "9780306406157"), ("0-306-40615-2", "0306406152"), ("0-8044-2957-x", "080442957X"),
                      ("9780306406157", "9780306406157"), ("978 0 306 40615 7", "9780306406157")])
    func normalizesValidISBNs(_ text: String, _ normalized: String) {
        #expect(ISBN.normalize(text) == normalized)
    }

    @Test(arguments: ["978-0-306-40615-8", "0-306-40615-3", "12345", "X306406152", "97803064061577", "abcdefghij", "", "０306406152"])
    func rejectsInvalidISBNs(_ text: String) {
        #expect(ISBN.normalize(text) == nil)
    }
}
