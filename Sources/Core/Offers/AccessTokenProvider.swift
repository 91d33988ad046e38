import Foundation
import Logging

/// The run's access token: reused from the database while fresh, otherwise asked for,
/// stored for the next run, and renewed at most once when the service answers 401.
///
/// The service hands out a new token only once the previous one has expired (400
/// otherwise), so the token must outlive the process: it is kept in
/// `offers_access_tokens` with its expiry. An actor because the product lanes share it:
/// when several lanes hit 401 at once, one re-authenticates and the others wait for and
/// use its result (`generation` tells who already saw the new token).
actor AccessTokenProvider {
    private let client: any OffersClient
    private let store: OfferSyncStore
    private let refreshToken: String
    private let baseURL: String
    private let logger: Logger
    private let now: @Sendable () -> Date

    private var current: AccessToken?
    private var generation = 0
    private var renewal: Task<(AccessToken, Int), any Error>?
    private var renewed = false

    init(client: any OffersClient, store: OfferSyncStore, refreshToken: String, baseURL: String, logger: Logger,
         now: @escaping @Sendable () -> Date) {
        self.client = client
        self.store = store
        self.refreshToken = refreshToken
        self.baseURL = baseURL
        self.logger = logger
        self.now = now
    }

    /// The token to start the run with.
    func start() async throws(OfferSyncError) -> (AccessToken, Int) {
        let stored: AccessToken?
        do { stored = try await store.storedToken(baseURL: baseURL) } catch { throw .database(error) }
        let moment = now()
        if let stored, stored.isFresh(at: moment) {
            logger.debug("reusing the stored access token", metadata: ["expires_in": "\(Int(stored.expiresAt.timeIntervalSince(moment)))s"])
            current = stored
            return (stored, generation)
        }
        do throws(OffersClientError) {
            let token = try await obtain()
            return (token, generation)
        } catch .tokenStillValid(let detail) {
            // Our stored token is close to (or, by our clock, past) its expiry but the
            // service still honours it: use it; a 401 later leads to one renewal.
            if let stored {
                logger.info("the offers service says the previous token is still valid; using the stored one until it expires")
                current = stored
                return (stored, generation)
            }
            throw .tokenHeldElsewhere(detail: detail)
        } catch .unauthorized(let detail) {
            throw .refreshTokenRejected(detail: detail)
        } catch {
            throw .authenticationFailed(error)
        }
    }

    /// The current token and its generation (pass the generation to `renew(after:)`).
    func token() -> (AccessToken, Int)? {
        current.map { ($0, generation) }
    }

    /// Called after a 401 with the token of generation `seen`. Renews once per run;
    /// callers that saw an older generation get the already renewed token.
    func renew(after seen: Int) async throws(OfferSyncError) -> (AccessToken, Int) {
        if generation > seen, let current { return (current, generation) }
        if let renewal {
            do { return try await renewal.value } catch { throw Self.renewalError(error) }
        }
        guard !renewed else { throw .reauthenticationExhausted }
        renewed = true
        logger.info("the offers service refused the access token (401); re-authenticating once")
        let task = Task { () async throws -> (AccessToken, Int) in
            let token = try await self.obtain()
            return (token, self.generation)
        }
        renewal = task
        defer { renewal = nil }
        do { return try await task.value } catch { throw Self.renewalError(error) }
    }

    /// `POST /auth`, then store the token before anyone uses it.
    private func obtain() async throws(OffersClientError) -> AccessToken {
        let value = try await client.authenticate(refreshToken: refreshToken)
        let token = AccessToken(issued: value, now: now())
        current = token
        generation += 1
        do {
            try await store.saveToken(token, baseURL: baseURL)
        } catch {
            // The run can go on with the token in memory; the next run will meet a 400
            // until it expires, and says so.
            logger.error("could not store the new access token", metadata: ["error": "\(error)"])
        }
        logger.info("obtained a new access token", metadata: ["expires_in": "\(Int(token.expiresAt.timeIntervalSince(token.obtainedAt)))s"])
        return token
    }

    private static func renewalError(_ error: any Error) -> OfferSyncError {
        switch error {
        case let error as OfferSyncError: error
        case OffersClientError.tokenStillValid(let detail): .tokenHeldElsewhere(detail: detail)
        case OffersClientError.unauthorized(let detail): .refreshTokenRejected(detail: detail)
        case let error as OffersClientError: .authenticationFailed(error)
        default: .authenticationFailed(.transport(String(describing: error)))
        }
    }
}
