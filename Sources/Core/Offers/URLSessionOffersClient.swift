import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The offers service over HTTP(S), with Foundation's URLSession (libcurl on Linux).
///
/// Each call has a hard deadline of its own (`OFFERS_TIMEOUT_SECONDS`) on top of
/// URLSession's timeouts, because those measure idleness, not the whole exchange (a service
/// that trickles bytes must not hold a run either), and on Linux they are whole seconds
/// (0.5 becomes 0, which fails at once): URLSession's are set a little beyond ours, as a
/// backstop. Redirects are refused (the refresh token
/// travels in a header and must never be replayed to another host), cookies and caches are
/// off, and one session is shared so connections are kept alive across calls. An answer
/// is read up to `RemoteOffer.maximumBodyBytes` and no further: a service that sends more
/// gets its transfer cancelled and counts as a malformed answer.
public final class URLSessionOffersClient: OffersClient {
    private let configuration: OffersConfiguration
    private let session: URLSession
    private let transfers: TransferDelegate
    /// URLSession's own timeouts: whole seconds, past our deadline.
    private let backstopTimeout: TimeInterval

    /// `maxConnections`: connections kept to the service (the job's concurrency).
    public init(configuration: OffersConfiguration, maxConnections: Int) {
        self.configuration = configuration
        backstopTimeout = configuration.requestTimeout.rounded(.up) + 1
        let settings = URLSessionConfiguration.ephemeral
        settings.timeoutIntervalForRequest = backstopTimeout
        settings.timeoutIntervalForResource = backstopTimeout
        settings.httpMaximumConnectionsPerHost = max(1, maxConnections)
        settings.requestCachePolicy = .reloadIgnoringLocalCacheData
        settings.urlCache = nil
        settings.httpCookieStorage = nil
        settings.httpShouldSetCookies = false
        transfers = TransferDelegate(maximumBodyBytes: RemoteOffer.maximumBodyBytes)
        session = URLSession(configuration: settings, delegate: transfers, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    public func authenticate(refreshToken: String) async throws(OffersClientError) -> String {
        var request = makeRequest("auth", method: "POST")
        request.setValue(refreshToken, forHTTPHeaderField: "Bearer")
        let (status, body) = try await perform(request)
        switch status {
        case 201: return try RemoteOffer.accessToken(from: body)
        case 400: throw .tokenStillValid(detail: RemoteOffer.detail(from: body))
        default: throw Self.failure(status: status, body: body)
        }
    }

    public func register(_ product: OffersRegistration, accessToken: String) async throws(OffersClientError) -> RegistrationResult {
        var request = makeRequest("products/register", method: "POST")
        request.setValue(accessToken, forHTTPHeaderField: "Bearer")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let document: JSONValue = ["id": .string(product.uuid), "name": .string(product.name), "description": .string(product.description)]
        request.httpBody = Data(document.encoded)
        let (status, body) = try await perform(request)
        switch status {
        // The status is the answer; the echoed id in the body is not needed.
        case 201: return .created
        case 409: return .alreadyRegistered
        default: throw Self.failure(status: status, body: body)
        }
    }

    public func offers(productUUID: String, accessToken: String) async throws(OffersClientError) -> [RemoteOffer] {
        guard let uuid = RemoteOffer.canonicalUUID(productUUID) else {
            throw .rejected(status: 0, detail: "not a UUID: \(productUUID)")
        }
        var request = makeRequest("products/\(uuid)/offers", method: "GET")
        request.setValue(accessToken, forHTTPHeaderField: "Bearer")
        let (status, body) = try await perform(request)
        switch status {
        case 200: return try RemoteOffer.list(from: body)
        case 404: throw .productNotRegistered
        default: throw Self.failure(status: status, body: body)
        }
    }

    private func makeRequest(_ path: String, method: String) -> URLRequest {
        var request = URLRequest(url: configuration.url(path), cachePolicy: .reloadIgnoringLocalCacheData,
                                 timeoutInterval: backstopTimeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("catalog-sync-offers", forHTTPHeaderField: "User-Agent")
        return request
    }

    /// The statuses every call treats alike.
    private static func failure(status: Int, body: [UInt8]) -> OffersClientError {
        switch status {
        case 401: .unauthorized(detail: RemoteOffer.detail(from: body))
        case 400..<500: .rejected(status: status, detail: RemoteOffer.detail(from: body))
        case 500..<600: .serverError(status: status)
        default: .unexpectedStatus(status)
        }
    }

    /// One exchange, resolved exactly once: by the response, by a transport error, by an
    /// answer over the size cap, or by the deadline (which then cancels the transfer).
    private func perform(_ request: URLRequest) async throws(OffersClientError) -> (Int, [UInt8]) {
        let timeout = configuration.requestTimeout
        let result: Result<(Int, [UInt8]), OffersClientError> = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let task = session.dataTask(with: request)
            let cancel = CancelHandle(task)
            transfers.start(task, timeout: timeout, finish: once)
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if once.resume(.failure(.timedOut(seconds: timeout))) { cancel.cancel() }
            }
        }
        return try result.get()
    }

    fileprivate static func classify(_ error: any Error, timeout: Double) -> OffersClientError {
        guard let urlError = error as? URLError else { return .transport(String(describing: error)) }
        switch urlError.code {
        case .timedOut: return .timedOut(seconds: timeout)
        case .cannotConnectToHost: return .transport("connection refused")
        case .networkConnectionLost: return .transport("connection lost")
        case .cannotFindHost, .dnsLookupFailed: return .transport("host not found")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .transport("TLS failed (\(urlError.code.rawValue))")
        case .badServerResponse: return .malformedBody("not a valid HTTP response")
        default: return .transport("URL error \(urlError.code.rawValue)")
        }
    }
}

/// Resumes a continuation at most once, from whichever thread gets there first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<(Int, [UInt8]), OffersClientError>, Never>?

    init(_ continuation: CheckedContinuation<Result<(Int, [UInt8]), OffersClientError>, Never>) {
        self.continuation = continuation
    }

    /// True if this call resumed it.
    @discardableResult
    func resume(_ result: Result<(Int, [UInt8]), OffersClientError>) -> Bool {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: result)
        return pending != nil
    }
}

/// Lets the deadline cancel a transfer from another thread.
private final class CancelHandle: @unchecked Sendable {
    private let task: URLSessionTask
    init(_ task: URLSessionTask) { self.task = task }
    func cancel() { task.cancel() }
}

/// The session's delegate: collects each transfer's body up to a cap, resolves its call
/// when it completes, and refuses every redirect (the 3xx reaches the client as a status).
///
/// A body is collected here rather than by a completion handler because a completion
/// handler gets the body only once all of it has arrived, however large it is.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Transfer {
        let finish: ResumeOnce
        let timeout: Double
        var body: [UInt8] = []
    }

    private let maximumBodyBytes: Int
    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Starts `task`; `finish` is resumed when it completes or is refused.
    func start(_ task: URLSessionDataTask, timeout: Double, finish: ResumeOnce) {
        lock.withLock { transfers[task.taskIdentifier] = Transfer(finish: finish, timeout: timeout) }
        task.resume()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let id = dataTask.taskIdentifier
        let declared = dataTask.response?.expectedContentLength ?? -1
        let refused: Transfer? = lock.withLock {
            guard let received = transfers[id]?.body.count else { return nil }
            if declared > Int64(maximumBodyBytes) || received + data.count > maximumBodyBytes {
                return transfers.removeValue(forKey: id)
            }
            transfers[id]?.body.append(contentsOf: data)  // in place: no copy of what came before
            return nil
        }
        if let refused {
            refused.finish.resume(.failure(.malformedBody("the answer is larger than \(maximumBodyBytes) bytes")))
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error {
            transfer.finish.resume(.failure(URLSessionOffersClient.classify(error, timeout: transfer.timeout)))
        } else if let http = task.response as? HTTPURLResponse {
            transfer.finish.resume(.success((http.statusCode, transfer.body)))
        } else {
            transfer.finish.resume(.failure(.transport("no HTTP response")))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
