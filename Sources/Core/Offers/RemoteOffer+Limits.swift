extension RemoteOffer {
    /// JSON limits for every answer of the offers service, much tighter than a request
    /// body's: the contract's documents are an offer list (objects of three members), a
    /// token, or an error `detail`, and a misbehaving service must not be able to make the
    /// sync job parse more than that.
    ///
    /// 1,000 offers per product (the stand-in serves one to six) at four values each fit
    /// in 5,000 values; 8 KiB per string is the longest access token accepted; depth 8
    /// covers FastAPI's validation errors (`{"detail": [{"loc": [...]}]}`).
    public static let parsingLimits = JSONParser.Limits(members: 64, elements: 1_000, values: 5_000, stringBytes: 8 << 10, depth: 8)

    /// The most bytes of one answer the client reads; a longer one is cut off and
    /// rejected as malformed. 1,000 offers of about 90 bytes each is 90 KB.
    public static let maximumBodyBytes = 256 << 10
}
