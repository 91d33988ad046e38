import HTTPTypes

/// What the application tells nginx's response cache (`fastcgi_cache` in
/// `deploy/nginx.conf`) about a public read: whether it may be stored, for how long,
/// and for how long it may still be served while the application cannot answer.
///
/// nginx decides nothing by itself: without a `Cache-Control` from the application it
/// stores nothing (the config sets no `fastcgi_cache_valid`). So the one rule for what
/// is cached lives here, and routes opt in with `Operation.cacheable()`.
public struct ResponseCachePolicy: Sendable, Equatable {
    /// `CATALOG_CACHE_MAX_AGE`: seconds an anonymous answer may be served from the cache
    /// (`s-maxage`); 0 turns the cache off (nginx stores nothing with `s-maxage=0`).
    public var maxAge: Int
    /// `CATALOG_CACHE_MAX_STALE`: seconds past `maxAge` an expired answer may still be
    /// served, sent as both `stale-while-revalidate` (answer at once while one background
    /// request refreshes the entry) and `stale-if-error` (while the application fails:
    /// PostgreSQL down, pool gone). These two are nginx's only *bounded* ways to serve
    /// stale: its `fastcgi_cache_use_stale` has no age limit, so an entry read all through
    /// an outage would be served for ever. nginx applies `stale-if-error` to every failure
    /// status, 404 included, so a deleted resource can be served this long as well.
    public var maxStale: Int

    public static let defaultMaxAge = 1
    public static let defaultMaxStale = 10
    public static let maxAgeRange = 0...3600
    public static let maxStaleRange = 0...86_400

    public init(maxAge: Int = defaultMaxAge, maxStale: Int = defaultMaxStale) {
        self.maxAge = maxAge
        self.maxStale = maxStale
    }

    /// The longest an anonymous reader can go on being answered from an entry stored
    /// before a write that changed or deleted it, or during an outage: fresh for
    /// `maxAge`, then stale for at most `maxStale`. A change (a 200 with new content) is in
    /// practice visible after `maxAge` plus one refresh; a deletion may take the whole bound.
    public var stalenessBound: Int { maxAge + maxStale }

    /// The `Cache-Control` of a cacheable operation's response. Only a 200 to an
    /// anonymous request may be stored: a 304 stored under the key would be replayed to
    /// clients that sent no `If-None-Match`, and an answer to a request with credentials
    /// is that caller's (`private`, so neither nginx nor any shared cache keeps it).
    public func cacheControl(status: HTTPResponse.Status, authorized: Bool) -> String {
        if authorized { return "private" }
        guard status == .ok, maxAge > 0 else { return "no-store" }
        return "public, s-maxage=\(maxAge), stale-while-revalidate=\(maxStale), stale-if-error=\(maxStale)"
    }
}

extension ServiceConfiguration {
    /// The response-cache settings; a bad value is recorded in `reader` under its variable.
    static func responseCache(_ reader: inout EnvironmentReader) -> ResponseCachePolicy {
        ResponseCachePolicy(
            maxAge: reader.integer("CATALOG_CACHE_MAX_AGE", default: ResponseCachePolicy.defaultMaxAge,
                                   range: ResponseCachePolicy.maxAgeRange),
            maxStale: reader.integer("CATALOG_CACHE_MAX_STALE", default: ResponseCachePolicy.defaultMaxStale,
                                     range: ResponseCachePolicy.maxStaleRange))
    }
}
