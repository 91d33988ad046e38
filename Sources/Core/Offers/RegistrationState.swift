/// Where a product stands with the offers service (`products.offers_registration`).
public enum RegistrationState: String, Sendable, CaseIterable, PostgresTextDecodable {
    /// Not yet known to the service: the job registers it on its next run. New products
    /// start here, and transient failures (timeouts, 5xx) leave them here.
    case pending
    /// Known to the service (201 or 409): its offers are fetched on every run.
    case registered
    /// The service rejected the product itself (e.g. 422): retried only after
    /// `OFFERS_REGISTRATION_RETRY_SECONDS`, with the error kept for the operator.
    case failed
}
