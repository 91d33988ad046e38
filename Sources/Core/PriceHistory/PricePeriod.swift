/// The period of `GET /products/{id}/price-trend`: from its start until now.
public enum PricePeriod: String, Sendable, CaseIterable {
    case oneHour = "1h"
    case oneDay = "24h"
    case sevenDays = "7d"
    case thirtyDays = "30d"

    public var microseconds: Int64 {
        switch self {
        case .oneHour: 3_600_000_000
        case .oneDay: 86_400_000_000
        case .sevenDays: 7 * 86_400_000_000
        case .thirtyDays: 30 * 86_400_000_000
        }
    }

    /// The period a request without `period` gets.
    public static let `default` = PricePeriod.oneDay
}
