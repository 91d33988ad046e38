import Logging

/// What happened to one product in a run.
struct ProductOutcome: Sendable {
    enum Result: Sendable {
        case changed
        case unchanged
        /// Deleted while the run worked on it.
        case vanished
        /// `reason` is the summary category, `message` the detail for the log.
        case failed(reason: String, message: String)
    }

    /// Registered with the offers service by this run.
    var registered: Bool
    var result: Result
}

/// Syncs one product: registers it if needed, fetches its offers, writes them.
///
/// One of these is shared by all lanes (it is all references to shared, thread-safe
/// parts). Calls go through `authorized`, which turns a 401 into one renewal of the
/// run's token and one retry.
struct ProductSynchronizer: Sendable {
    let client: any OffersClient
    let tokens: AccessTokenProvider
    let store: OfferSyncStore
    let control: SyncRunControl
    let logger: Logger

    /// A failure that ends this product's sync.
    private struct Failure: Error {
        var reason: String
        var message: String
    }

    func sync(_ product: SyncProduct) async -> ProductOutcome {
        var registered = false
        do {
            if product.registration != .registered {
                try await register(product.id, product.registrationDetails ?? OffersRegistration(uuid: product.uuid, name: "", description: ""))
                registered = true
            }
            let offers: [RemoteOffer]
            do {
                offers = try await fetchOffers(product.uuid)
            } catch let failure as OffersClientError where failure == .productNotRegistered && !registered {
                // Recorded as registered, unknown to the service (its data was reset):
                // register again now and retry once, rather than fail every run.
                logger.warning("the offers service does not know a registered product; registering it again",
                               metadata: ["product_id": "\(product.id)", "offers_uuid": "\(product.uuid)"])
                try await database { try await store.markUnregistered(productID: product.id) }
                guard let details = try await database({ try await store.registrationDetails(productID: product.id) }) else {
                    return ProductOutcome(registered: false, result: .vanished)
                }
                try await register(product.id, details)
                registered = true
                offers = try await fetchOffers(product.uuid)
            }
            let written = try await database { try await store.replaceOffers(productID: product.id, offers: offers) }
            switch written {
            case .changed: return ProductOutcome(registered: registered, result: .changed)
            case .unchanged: return ProductOutcome(registered: registered, result: .unchanged)
            case .productGone: return ProductOutcome(registered: registered, result: .vanished)
            }
        } catch let failure as Failure {
            return failed(product, registered: registered, failure)
        } catch let error as OffersClientError {
            return failed(product, registered: registered, Failure(reason: error.category, message: error.description))
        } catch {
            return failed(product, registered: registered, Failure(reason: "error", message: "\(error)"))
        }
    }

    private func failed(_ product: SyncProduct, registered: Bool, _ failure: Failure) -> ProductOutcome {
        if control.shouldLogFailure() {
            logger.warning("product not synced", metadata: [
                "product_id": "\(product.id)", "offers_uuid": "\(product.uuid)", "error": "\(failure.message)",
            ])
        }
        return ProductOutcome(registered: registered, result: .failed(reason: failure.reason, message: failure.message))
    }

    /// Registers and records the outcome: 201/409 → registered; a rejection of the
    /// product itself → 'failed' (retried after the back-off); anything else stays pending.
    private func register(_ productID: Int64, _ details: OffersRegistration) async throws {
        do {
            let result = try await authorized { token throws(OffersClientError) in try await client.register(details, accessToken: token) }
            try await database { try await store.recordRegistered(productID: productID) }
            logger.debug("registered product with the offers service", metadata: [
                "product_id": "\(productID)", "offers_uuid": "\(details.uuid)",
                "result": "\(result == .created ? "created" : "already registered")",
            ])
        } catch let error as OffersClientError {
            let rejected: Bool = if case .rejected = error { true } else { false }
            try await database {
                try await store.recordRegistrationFailure(productID: productID, error: error.description, rejected: rejected)
            }
            throw Failure(reason: "registration: " + error.category, message: "registration: \(error)")
        }
    }

    private func fetchOffers(_ uuid: String) async throws -> [RemoteOffer] {
        try await authorized { token throws(OffersClientError) in try await client.offers(productUUID: uuid, accessToken: token) }
    }

    /// Runs a call with the run's token; on 401 renews the token (once per run, shared by
    /// all lanes) and retries once. Service failures feed the circuit breaker.
    private func authorized<T: Sendable>(_ call: (String) async throws(OffersClientError) -> T) async throws -> T {
        guard let (token, generation) = await tokens.token() else {
            throw Failure(reason: "no access token", message: "no access token")
        }
        do throws(OffersClientError) {
            return try await measured { () async throws(OffersClientError) -> T in try await call(token.value) }
        } catch .unauthorized {
            let fresh: AccessToken
            do throws(OfferSyncError) {
                fresh = try await tokens.renew(after: generation).0
            } catch {
                if case .refreshTokenRejected = error { control.stop(error.description) }
                if case .tokenHeldElsewhere = error { control.stop(error.description) }
                throw Failure(reason: "unauthorized (401), renewal failed", message: error.description)
            }
            return try await measured { () async throws(OffersClientError) -> T in try await call(fresh.value) }
        }
    }

    /// Feeds the outcome of one call into the circuit breaker.
    private func measured<T>(_ call: () async throws(OffersClientError) -> T) async throws(OffersClientError) -> T {
        do {
            let value = try await call()
            control.recordSuccess()
            return value
        } catch {
            if error.isServiceFailure { control.recordServiceFailure() }
            throw error
        }
    }

    /// A database failure ends the whole run: nothing more could be recorded.
    private func database<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            control.stop("database error: \(error)")
            throw Failure(reason: "database error", message: "database error: \(error)")
        }
    }
}
