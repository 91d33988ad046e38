import Core
import Testing

/// The parameters of the price-history routes: RFC 3339 parsing, default range and
/// bucket, bucket counting and the point cap.
@Suite struct PriceHistoryQueryTests {
    @Test func rfc3339TimestampsAreParsedExactly() throws {
        let noon = try #require(RFC3339Instant("2026-11-30T12:00:00Z"))
        #expect(noon.microseconds == 1_796_040_000 * 1_000_000)
        #expect(RFC3339Instant("2026-11-30t12:00:00z") == noon)
        #expect(RFC3339Instant("2026-11-30T13:30:00+01:30") == noon)
        #expect(RFC3339Instant("2026-11-30T11:00:00-01:00") == noon)
        #expect(RFC3339Instant("2026-11-30T12:00:00.25Z")?.microseconds == noon.microseconds + 250_000)
        #expect(RFC3339Instant("2026-11-30T12:00:00.1234567Z")?.microseconds == noon.microseconds + 123_456, "cut at microseconds")
        #expect(RFC3339Instant("2026-11-30T12:00:00." + String(repeating: "0", count: 43) + "Z") == noon, "64 characters")
        #expect(RFC3339Instant("2024-02-29T00:00:00Z") != nil, "a leap day")
        #expect(RFC3339Instant("1970-01-01T00:00:00Z")?.microseconds == 0)
        #expect(RFC3339Instant("1969-12-31T23:59:59Z")?.microseconds == -1_000_000)
        #expect(noon.description == "2026-11-30T12:00:00Z")
        #expect(RFC3339Instant(microseconds: -1).description == "1969-12-31T23:59:59Z")
        #expect(RFC3339Instant("0001-01-01T00:00:00Z")?.description == "0001-01-01T00:00:00Z")
        for bad in ["", "2026-11-30", "2026-11-30T12:00:00", "2026-11-30 12:00:00Z", "2026-13-01T00:00:00Z",
                    "2025-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-30T24:00:00Z", "2026-11-30T12:60:00Z",
                    "2026-11-30T12:00:00.Z", "2026-11-30T12:00:00+0100", "2026-11-30T12:00:00+24:00", "2026-11-30T12:00:00Zjunk",
                    "+2026-11-30T12:00:00Z", "2026-11-30T12:00:00 Z", "２026-11-30T12:00:00Z",
                    "2026-11-30T12:00:00." + String(repeating: "0", count: 44) + "Z"] {
            #expect(RFC3339Instant(bad) == nil, "\(bad)")
        }
    }

    @Test func defaultsAreTheLastDayInHourBuckets() throws {
        let now = try #require(RFC3339Instant("2026-11-30T12:34:56Z"))
        let query = try PriceHistoryQuery(query: [:], now: now)
        #expect(query.to == now)
        #expect(query.from == RFC3339Instant("2026-11-29T12:34:56Z"))
        #expect(query.bucket == .hour)
        #expect(query.bucketsStart == RFC3339Instant("2026-11-29T12:00:00Z"))
        #expect(query.bucketsEnd == RFC3339Instant("2026-11-30T13:00:00Z"))
        #expect(PriceHistoryBucket.default(forRangeMicroseconds: 12 * 3_600_000_000) == .minute)
        #expect(PriceHistoryBucket.default(forRangeMicroseconds: 12 * 3_600_000_000 + 1) == .hour)
        #expect(PriceHistoryBucket.default(forRangeMicroseconds: 30 * 86_400_000_000) == .hour)
        #expect(PriceHistoryBucket.default(forRangeMicroseconds: 30 * 86_400_000_000 + 1) == .day)
    }

    @Test func bucketsAreCountedOverTheHalfOpenRange() throws {
        let from = try #require(RFC3339Instant("2026-11-30T10:00:30Z"))
        #expect(PriceHistoryBucket.minute.count(from: from, to: from) == 0)
        #expect(PriceHistoryBucket.minute.count(from: from, to: try #require(RFC3339Instant("2026-11-30T10:01:00Z"))) == 1)
        #expect(PriceHistoryBucket.minute.count(from: from, to: try #require(RFC3339Instant("2026-11-30T10:01:00.000001Z"))) == 2)
        #expect(PriceHistoryBucket.hour.count(from: from, to: try #require(RFC3339Instant("2026-11-30T12:00:00Z"))) == 2)
        #expect(PriceHistoryBucket.day.count(from: from, to: try #require(RFC3339Instant("2026-12-02T00:00:01Z"))) == 3)
    }

    @Test func tooManyPointsAndReversedRangesAre422() throws {
        let now = try #require(RFC3339Instant("2026-11-30T12:00:00Z"))
        let limit = PriceHistoryQuery.maximumPoints
        let atLimit = try PriceHistoryQuery(query: ["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T09:20:00Z", "bucket": "minute"], now: now)
        #expect(atLimit.bucket.count(from: atLimit.from, to: atLimit.to) == limit)
        #expect(throws: APIError.self) {
            try PriceHistoryQuery(query: ["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T09:20:01Z", "bucket": "minute"], now: now)
        }
        do {
            _ = try PriceHistoryQuery(query: ["from": "2026-11-30T12:00:01Z"], now: now)
            Issue.record("from after the default to was accepted")
        } catch {
            #expect(error == .validation([FieldError("from", "must not be after to (2026-11-30T12:00:01Z is after 2026-11-30T12:00:00Z)")]))
        }
        do {
            _ = try PriceHistoryQuery(query: ["from": "x", "to": "y", "bucket": "week"], now: now)
            Issue.record("bad values were accepted")
        } catch {
            guard case .validation(let errors) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(errors.map(\.field) == ["to", "from", "bucket"], "every problem at once")
        }
    }
}
