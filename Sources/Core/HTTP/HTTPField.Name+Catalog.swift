import HTTPTypes

extension HTTPField.Name {
    /// RFC 8288 `Link`, used for the `rel="next"` page of collections.
    public static var link: Self { .init("Link")! }
    /// The request correlation id, echoed on every response and logged.
    public static var xRequestID: Self { .init("X-Request-ID")! }
}
