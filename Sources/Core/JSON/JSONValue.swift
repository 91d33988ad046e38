/// A JSON document as a value.
///
/// Catalog parses and writes JSON itself rather than through `Codable` for two reasons
/// that matter to the API contract: numbers keep their literal text (`19.99` in is
/// `19.99` out, with no binary floating point on the way), and a body that parses but
/// has the wrong shape can be told apart from one that does not parse at all (422 with
/// field errors versus 400).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text exactly as it appeared (already validated
    /// against the RFC 8259 grammar when it came from the parser).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number from an integer.
    public static func int<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    /// A string, or `null` when the value is absent.
    public static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// The name of this value's JSON type, for error messages ("must be a string, got number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object that keeps its members in insertion order.
///
/// Order matters here: responses must be byte-for-byte stable so that strong `ETag`s
/// computed from the body stay stable, and documents read best in the order written.
public struct JSONObject: Sendable, Equatable {
    /// The members in order. Keys are unique (the parser rejects duplicates).
    public private(set) var members: [(key: String, value: JSONValue)]

    public init() { members = [] }

    public init(_ members: [(String, JSONValue)]) {
        self.members = members.map { (key: $0.0, value: $0.1) }
    }

    /// Members whose keys the caller has already made unique (the parser checks them
    /// with a set), taken as they are: no search per member.
    init(uniqueMembers: [(key: String, value: JSONValue)]) {
        members = uniqueMembers
    }

    /// The member named `key`; setting `nil` removes it, setting a value replaces it in place or appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
