extension JSONParser {
    /// How much of a document the parser reads before it gives up, in every dimension
    /// that costs a worker time or memory.
    ///
    /// A body within the byte limit can still be expensive: 80,000 one-character members
    /// fit in 869 KB, and every value becomes an allocation. The parser counts as it goes
    /// and stops at the first limit exceeded, so refusing a hostile document costs about
    /// what reading the allowed part costs, never the whole document.
    public struct Limits: Sendable, Equatable {
        /// Members in any one object.
        public var members: Int
        /// Elements in any one array.
        public var elements: Int
        /// Values in the whole document (every scalar, array and object counts one).
        public var values: Int
        /// UTF-8 bytes of any one string (member names too) after unescaping, and of any
        /// one number's literal text: numbers are kept as text, so a number is a string too.
        public var stringBytes: Int
        /// Nesting of arrays and objects; the parser recurses once per level, so this also
        /// bounds its stack use.
        public var depth: Int

        public init(members: Int, elements: Int, values: Int, stringBytes: Int, depth: Int) {
            self.members = members
            self.elements = elements
            self.values = values
            self.stringBytes = stringBytes
            self.depth = depth
        }

        /// The request-body limits unless configured otherwise (`CATALOG_JSON_MAX_*`).
        ///
        /// Every body of this API is one flat object of at most four members whose longest
        /// text is a product description or an author's bio of 10,000 code points (at most
        /// 40,000 bytes of UTF-8); no body has an array or a nested object. So each limit
        /// leaves the real bodies a wide margin and stays far below what a worker notices:
        /// 1,000 members (enough for a 422 that lists a long run of misspelt fields),
        /// 10,000 elements, 100,000 values in all, 64 KiB per string, and 64 levels (the
        /// nesting the parser always allowed; error documents and the JWTs this parser also
        /// reads nest two or three).
        public static let requestBody = Limits(members: 1_000, elements: 10_000, values: 100_000, stringBytes: 64 << 10, depth: 64)

        /// The limit's current value.
        public subscript(limit: Limit) -> Int {
            get {
                switch limit {
                case .members: members
                case .elements: elements
                case .values: values
                case .stringBytes: stringBytes
                case .depth: depth
                }
            }
            set {
                switch limit {
                case .members: members = newValue
                case .elements: elements = newValue
                case .values: values = newValue
                case .stringBytes: stringBytes = newValue
                case .depth: depth = newValue
                }
            }
        }
    }

    /// One of the limits, by name: what a `JSONLimitError` reports.
    public enum Limit: String, Sendable, CaseIterable, CustomStringConvertible {
        case members, elements, values, stringBytes, depth

        /// The start of a sentence about exceeding it ("an object has …").
        var subject: String {
            switch self {
            case .members: "an object has"
            case .elements: "an array has"
            case .values: "the document has"
            case .stringBytes: "a string or number has"
            case .depth: "the document nests"
            }
        }

        /// What is counted ("… 1000 members").
        var unit: String {
            switch self {
            case .members: "members"
            case .elements: "elements"
            case .values: "values"
            case .stringBytes: "bytes"
            case .depth: "levels deep"
            }
        }

        public var description: String { rawValue }
    }
}
