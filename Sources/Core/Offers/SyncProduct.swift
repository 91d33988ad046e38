/// One product as the sync job works on it: the public id for the database, the UUID for
/// the offers service, and (only while it still needs registering) what the service is
/// told about it.
public struct SyncProduct: Sendable, Equatable {
    public var id: Int64
    public var uuid: String
    public var registration: RegistrationState
    /// Name and description, loaded only for products that are not registered yet
    /// (descriptions can be 10 kB: no need to read 10,000 of them every minute).
    public var registrationDetails: OffersRegistration?

    public init(id: Int64, uuid: String, registration: RegistrationState, registrationDetails: OffersRegistration?) {
        self.id = id
        self.uuid = uuid
        self.registration = registration
        self.registrationDetails = registrationDetails
    }
}
