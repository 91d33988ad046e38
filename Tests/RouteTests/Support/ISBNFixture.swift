/// ISBNs for library tests.
enum ISBNFixture {
    /// A random ISBN-13 with a correct check digit, so tests never collide on ISBNs.
    static func random13(hyphenated: Bool) -> String {
        var digits = [9, 7, 8] + (0..<9).map { _ in Int.random(in: 0...9) }
        let sum = digits.enumerated().reduce(0) { $0 + ($1.offset % 2 == 0 ? 1 : 3) * $1.element }
        digits.append((10 - sum % 10) % 10)
        let text = digits.map(String.init).joined()
        return hyphenated ? "\(text.prefix(3))-\(text.dropFirst(3).prefix(1))-\(text.dropFirst(4).prefix(3))-\(text.dropFirst(7).prefix(5))-\(text.suffix(1))" : text
    }
}
