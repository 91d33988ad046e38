import Foundation

/// `?from=&to=&bucket=` of `GET /products/{id}/price-history`, validated.
///
/// The range is half-open, [from, to), and selects the buckets that overlap it; each
/// point summarises its whole bucket (`bucketsStart`..<`bucketsEnd`), so a point means
/// the same whatever range it was asked with, and the hourly roll-ups can answer.
/// Without `to` the range ends now, without `from` it starts 24 hours before its end;
/// without `bucket` the range picks one (`PriceHistoryBucket.default`).
public struct PriceHistoryQuery: Sendable, Equatable {
    /// The most points one answer may hold: a month of hours or a day of minutes fit,
    /// a month of minutes (43,200) does not.
    public static let maximumPoints: Int64 = 2000
    public static let defaultRangeMicroseconds: Int64 = 86_400_000_000

    public let from: RFC3339Instant
    public let to: RFC3339Instant
    public let bucket: PriceHistoryBucket

    public init(from: RFC3339Instant, to: RFC3339Instant, bucket: PriceHistoryBucket) {
        self.from = from
        self.to = to
        self.bucket = bucket
    }

    /// The start of the first bucket the range overlaps.
    public var bucketsStart: RFC3339Instant {
        RFC3339Instant(microseconds: RFC3339Instant.floorDivide(from.microseconds, bucket.microseconds) * bucket.microseconds)
    }

    /// The end of the last bucket the range overlaps (`bucketsStart` for an empty range).
    public var bucketsEnd: RFC3339Instant {
        guard to > from else { return bucketsStart }
        return RFC3339Instant(microseconds: (RFC3339Instant.floorDivide(to.microseconds - 1, bucket.microseconds) + 1) * bucket.microseconds)
    }

    /// Reads the query; every problem found is reported at once (422).
    public init(query: [String: String], now: RFC3339Instant) throws(APIError) {
        var errors: [FieldError] = []
        func instant(_ name: String) -> RFC3339Instant? {
            guard let text = query[name] else { return nil }
            if let value = RFC3339Instant(text) { return value }
            errors.append(FieldError(name, "must be an RFC 3339 timestamp, e.g. 2026-11-30T12:00:00Z (a + in an offset is sent as %2B)"))
            return nil
        }
        let givenTo = instant("to")
        let givenFrom = instant("from")
        var bucket: PriceHistoryBucket?
        if let text = query["bucket"] {
            bucket = PriceHistoryBucket(rawValue: text)
            if bucket == nil {
                errors.append(FieldError("bucket", "must be one of \(PriceHistoryBucket.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if !errors.isEmpty { throw .validation(errors) }
        let to = givenTo ?? now
        let from = givenFrom ?? RFC3339Instant(microseconds: to.microseconds - Self.defaultRangeMicroseconds)
        guard from <= to else {
            throw .validation([FieldError("from", "must not be after to (\(from.description) is after \(to.description))")])
        }
        let chosen = bucket ?? .default(forRangeMicroseconds: to.microseconds - from.microseconds)
        let points = chosen.count(from: from, to: to)
        guard points <= Self.maximumPoints else {
            throw .unprocessable(
                detail: "The range from \(from.description) to \(to.description) holds \(points) \(chosen.rawValue) buckets; "
                    + "at most \(Self.maximumPoints) points are returned per request: shorten the range or choose a larger bucket.",
                errors: [FieldError(bucket == nil ? "from" : "bucket", "the range would produce \(points) points; the maximum is \(Self.maximumPoints)")])
        }
        self.init(from: from, to: to, bucket: chosen)
    }
}

extension RFC3339Instant {
    /// The current time, to the microsecond.
    public static var now: RFC3339Instant {
        RFC3339Instant(microseconds: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }
}
