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
/// off, and one session is shared so connections are kept alive across calls.
public final class URLSessionOffersClient: OffersClient {
    private let configuration: OffersConfiguration
    private let session: URLSession
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
        session = URLSession(configuration: settings, delegate: RefuseRedirects(), delegateQueue: nil)
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

    /// One exchange, resolved exactly once: by the response, by a transport error, or by
    /// the deadline (which then cancels the transfer).
    private func perform(_ request: URLRequest) async throws(OffersClientError) -> (Int, [UInt8]) {
        let timeout = configuration.requestTimeout
        let result: Result<(Int, [UInt8]), OffersClientError> = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    once.resume(.failure(Self.classify(error, timeout: timeout)))
                } else if let http = response as? HTTPURLResponse {
                    once.resume(.success((http.statusCode, data.map { Array($0) } ?? [])))
                } else {
                    once.resume(.failure(.transport("no HTTP response")))
                }
            }
            let cancel = CancelHandle(task)
            task.resume()
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if once.resume(.failure(.timedOut(seconds: timeout))) { cancel.cancel() }
            }
        }
        return try result.get()
    }

    private static func classify(_ error: any Error, timeout: Double) -> OffersClientError {
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

/// Answers every redirect with "don't follow": the 3xx reaches the client as a status.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
