/// One reason a request body or parameter was rejected, tied to the field it concerns.
///
/// Rendered in the `errors` member of a 422 problem document so that a client can show
/// each message next to the input it belongs to.
public struct FieldError: Sendable, Equatable, Error {
    /// The field's name as the client spelled it (`price`, `limit`, `cursor`).
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
