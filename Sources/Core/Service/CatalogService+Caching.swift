import HTTPTypes

extension CatalogService {
    /// Sets `Cache-Control` on reads of operations marked `cacheable()`, the only
    /// responses nginx's cache may store (see `ResponseCachePolicy`).
    ///
    /// Any `Authorization` header makes the answer `private`, valid or not: nginx also
    /// bypasses its cache for such requests, and this keeps the answer out of every other
    /// shared cache between the client and us.
    func applyingCachePolicy(to response: Response, for request: Request, operation: Operation) -> Response {
        guard operation.isCacheable, request.method == .get || request.method == .head else { return response }
        var response = response
        response.headers[.cacheControl] = configuration.responseCache.cacheControl(
            status: response.status, authorized: request.headers[.authorization] != nil)
        return response
    }
}
