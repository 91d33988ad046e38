/// Why a byte sequence was not accepted as a JSON document.
///
/// The two cases are told apart because clients are told apart: a body that is not JSON
/// is the client's mistake to fix (400), while a body over a limit may be perfectly good
/// JSON that is simply more than this service will read (413).
public enum JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not JSON.
    case malformed(JSONSyntaxError)
    /// The document exceeds one of the parser's limits; parsing stopped right there.
    case limitExceeded(JSONLimitError)

    public var description: String {
        switch self {
        case .malformed(let error): error.description
        case .limitExceeded(let error): error.description
        }
    }
}

/// Why a byte sequence is not JSON. The message says where, never echoes the input.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// Which limit a document exceeded, and where parsing stopped.
public struct JSONLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public let limit: JSONParser.Limit
    /// The limit's value when it was exceeded.
    public let maximum: Int
    public let offset: Int

    /// "an object has more than 1000 members", for problem details and logs.
    public var summary: String { "\(limit.subject) more than \(maximum) \(limit.unit)" }
    public var description: String { "\(summary) (at byte \(offset))" }
}
