/// The width of one point of `GET /products/{id}/price-history`: buckets start at whole
/// UTC minutes, hours or days (PostgreSQL's `date_trunc(bucket, at, 'UTC')`).
public enum PriceHistoryBucket: String, Sendable, CaseIterable {
    case minute, hour, day

    public var microseconds: Int64 {
        switch self {
        case .minute: 60_000_000
        case .hour: 3_600_000_000
        case .day: 86_400_000_000
        }
    }

    /// The bucket a range gets when the request names none: the finest that keeps a
    /// chart of the whole range at most 720 points (12 h of minutes, 30 days of hours).
    public static func `default`(forRangeMicroseconds span: Int64) -> PriceHistoryBucket {
        if span <= 720 * minute.microseconds { return .minute }
        if span <= 720 * hour.microseconds { return .hour }
        return .day
    }

    /// How many buckets the half-open range [from, to) touches: the points it can produce.
    public func count(from: RFC3339Instant, to: RFC3339Instant) -> Int64 {
        guard to > from else { return 0 }
        return RFC3339Instant.floorDivide(to.microseconds - 1, microseconds)
            - RFC3339Instant.floorDivide(from.microseconds, microseconds) + 1
    }
}
