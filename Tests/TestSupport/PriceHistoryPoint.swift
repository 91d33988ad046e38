import Core

/// One point of a `price-history` answer, its numbers as their literal text (exact, as
/// the service writes them), for the route suite and the offer-sync suite alike.
public struct PriceHistoryPoint: Sendable, Equatable, CustomStringConvertible {
    public var at, min, avg, max, offers, changes: String

    public init(at: String, min: String, avg: String, max: String, offers: String, changes: String) {
        (self.at, self.min, self.avg, self.max, self.offers, self.changes) = (at, min, avg, max, offers, changes)
    }

    public var description: String { "\(at) min \(min) avg \(avg) max \(max) offers \(offers) changes \(changes)" }

    /// The points of a `price-history` body's `points` member (none if it is not an array).
    public static func points(_ member: JSONValue?) -> [PriceHistoryPoint] {
        guard case .array(let points)? = member else { return [] }
        return points.compactMap { point in
            guard case .object(let o) = point, case .string(let at)? = o["at"], let min = number(o["min"]), let avg = number(o["avg"]),
                  let max = number(o["max"]), let offers = number(o["offers"]), let changes = number(o["changes"]) else { return nil }
            return PriceHistoryPoint(at: at, min: min, avg: avg, max: max, offers: offers, changes: changes)
        }
    }

    /// A JSON number's literal text.
    public static func number(_ value: JSONValue?) -> String? {
        if case .number(let text)? = value { return text }
        return nil
    }
}
