extension Request {
    /// Enforces `If-Match` against the current representation's tag: a 412 when the
    /// client's copy is stale. Without the header the write is unconditional.
    public func checkIfMatch(currentETag: String?) throws(APIError) {
        guard let header = headers[.ifMatch] else { return }
        guard let currentETag, ETag.match(header, matches: currentETag) else { throw .preconditionFailed }
    }

    /// Whether the client made the write conditional, so the handler must read and lock
    /// the current representation before changing it.
    public var hasIfMatch: Bool { headers[.ifMatch] != nil }

    /// Applies `If-None-Match` to a successful `GET`/`HEAD` response that carries an `ETag`:
    /// a 304 with the tag and no body when the client's copy is current.
    public func applyingIfNoneMatch(to response: Response) -> Response {
        guard method == .get || method == .head, response.status == .ok,
              let header = headers[.ifNoneMatch], let tag = response.headers[.eTag],
              ETag.noneMatch(header, matches: tag)
        else { return response }
        return Response(status: .notModified, headers: [.eTag: tag])
    }
}
