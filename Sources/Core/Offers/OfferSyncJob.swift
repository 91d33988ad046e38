import Foundation
import Logging

/// One run of the offer sync: register new products with the offers service, refresh
/// every registered product's offers, record when, then stop.
///
/// It is a short-lived batch job (`catalog sync-offers`, started every minute by a
/// systemd timer), never part of the web workers, which never call the offers service.
/// A run:
/// 1. takes the lease row `offer_sync_lease`, so two runs never sync at once (the second
///    reports "skipped" and succeeds: the first is doing the work). A lease rather than
///    an advisory lock, because a session lock does not survive a transaction-mode
///    pooler; it lasts the run's deadline plus `leaseMarginSeconds`, so a killed run's
///    lease expires on its own, and a live run has stopped starting work by then;
/// 2. reuses the access token stored by an earlier run until shortly before it expires,
///    else obtains one with the refresh token and stores it (see `AccessTokenProvider`);
/// 3. works through the products with `concurrency` calls in flight: pending products are
///    registered first, then each product's offers are fetched and written in one
///    transaction (see `OfferSyncStore.replaceOffers`), so a failure anywhere leaves the
///    previous offers intact;
/// 4. returns a summary; anything failed means exit status 1.
public struct OfferSyncJob: Sendable {
    /// How long past the run's deadline its lease lasts: the calls in flight at the
    /// deadline finish within their own timeouts, well inside this.
    public static let leaseMarginSeconds = 60

    public let configuration: OffersConfiguration
    public let databaseURL: String
    public let statementMode: StatementMode
    public let client: any OffersClient
    public let logger: Logger
    private let now: @Sendable () -> Date

    public init(configuration: OffersConfiguration, databaseURL: String, statementMode: StatementMode = .unnamed,
                client: any OffersClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.databaseURL = databaseURL
        self.statementMode = statementMode
        self.client = client
        self.logger = logger
        self.now = now
    }

    public func run() async -> OfferSyncSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var summary = await work()
        let elapsed = clock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }

    private func work() async -> OfferSyncSummary {
        var summary = OfferSyncSummary()
        let store: OfferSyncStore
        do {
            store = try OfferSyncStore(databaseURL: databaseURL, mode: statementMode)
        } catch {
            summary.fatalError = .database(error)
            return summary
        }
        let holder = "\(ProcessInfo.processInfo.hostName) pid \(getpid()) \(Hex.encode(SecureRandom.bytes(6)))"
        let leaseSeconds = Int(configuration.runDeadline.rounded(.up)) + Self.leaseMarginSeconds
        do {
            guard try await store.takeLease(holder: holder, seconds: leaseSeconds) else {
                summary.skippedBecauseLocked = true
                await store.close()
                return summary
            }
        } catch {
            summary.fatalError = .database(error)
            await store.close()
            return summary
        }
        await sync(store: store, into: &summary)
        await store.releaseLease(holder: holder)
        await store.close()
        return summary
    }

    private func sync(store: OfferSyncStore, into summary: inout OfferSyncSummary) async {
        await maintainPriceHistory(store: store)
        let products: [SyncProduct]
        do {
            products = try await store.workList(retryFailedAfterSeconds: configuration.registrationRetryInterval)
        } catch {
            summary.fatalError = .database(error)
            return
        }
        guard !products.isEmpty else { return }

        let tokens = AccessTokenProvider(client: client, store: store, refreshToken: configuration.refreshToken,
                                         baseURL: configuration.baseURL.absoluteString, logger: logger, now: now)
        do {
            _ = try await tokens.start()
        } catch {
            summary.fatalError = error
            summary.fail("not attempted (no access token)", count: products.count)
            return
        }

        let control = SyncRunControl(maxConsecutiveFailures: configuration.maxConsecutiveFailures,
                                     deadline: now().addingTimeInterval(configuration.runDeadline), now: now)
        let worker = ProductSynchronizer(client: client, tokens: tokens, store: store, control: control, logger: logger)
        let concurrency = max(1, configuration.concurrency)
        var started = 0
        await withTaskGroup(of: ProductOutcome.self) { group in
            while started < products.count, started < concurrency, control.stopReason == nil {
                let product = products[started]
                group.addTask { await worker.sync(product) }
                started += 1
            }
            while let outcome = await group.next() {
                // Keep `concurrency` calls in flight: start the next product before tallying.
                if started < products.count, control.stopReason == nil {
                    let product = products[started]
                    group.addTask { await worker.sync(product) }
                    started += 1
                }
                if outcome.registered { summary.registered += 1 }
                switch outcome.result {
                case .changed: summary.refreshed += 1
                case .unchanged: summary.unchanged += 1
                case .vanished: summary.vanished += 1
                case .failed(let reason, _): summary.fail(reason)
                }
            }
        }
        if started < products.count, let reason = control.stopReason {
            summary.stopReason = reason
            summary.fail("not attempted", count: products.count - started)
        }
    }

    /// Partitions for the coming days, expired days dropped. A failure is logged and the
    /// run goes on: the partitions exist days ahead, so a later run catches up.
    private func maintainPriceHistory(store: OfferSyncStore) async {
        do {
            let outcome = try await store.maintainPriceHistory(retentionDays: configuration.historyRetentionDays)
            if outcome.added > 0 || !outcome.dropped.isEmpty || outcome.expiredDays > 0 {
                logger.info("price history partitions maintained", metadata: [
                    "added": "\(outcome.added)", "dropped": "\(outcome.dropped.joined(separator: ","))",
                    "expired_product_days": "\(outcome.expiredDays)",
                    "retention_days": "\(configuration.historyRetentionDays)",
                ])
            }
        } catch {
            logger.warning("price history partitions not maintained; a later run retries", metadata: ["error": "\(error)"])
        }
    }
}
