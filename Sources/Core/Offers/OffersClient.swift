/// The three calls of the external offers service (docs/OFFERS-SERVICE.md), as the sync job
/// needs them.
///
/// A protocol so the job can be driven by something other than the network (and so the
/// transport — URLSession today — stays replaceable). Every call is bounded by a timeout
/// and reports failure as a typed `OffersClientError`, never as a hang or a crash.
public protocol OffersClient: Sendable {
    /// `POST {base}/auth` with the refresh token in the header named `Bearer`.
    func authenticate(refreshToken: String) async throws(OffersClientError) -> String

    /// `POST {base}/products/register`. A 409 ("already registered") is success too:
    /// registration is idempotent from the job's point of view.
    func register(_ product: OffersRegistration, accessToken: String) async throws(OffersClientError) -> RegistrationResult

    /// `GET {base}/products/{uuid}/offers`: the product's whole offer set right now.
    func offers(productUUID: String, accessToken: String) async throws(OffersClientError) -> [RemoteOffer]
}

/// What the offers service is told about a product when it is registered.
public struct OffersRegistration: Sendable, Equatable {
    /// The product's own UUID for the offers service (`products.offers_uuid`), never its public id.
    public var uuid: String
    public var name: String
    public var description: String

    public init(uuid: String, name: String, description: String) {
        self.uuid = uuid
        self.name = name
        self.description = description
    }
}

/// How a registration succeeded.
public enum RegistrationResult: Sendable, Equatable {
    /// 201: registered by this call.
    case created
    /// 409: the service knew the product already (an earlier run registered it and
    /// crashed before recording that, or the state was reset).
    case alreadyRegistered
}
