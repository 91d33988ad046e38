import Core
import Testing

/// Statements written as `SQL` against the real PostgreSQL, and rows decoded by type: each
/// column's PostgreSQL type is checked against the Swift type that reads it.
@Suite struct PostgresDecodingTests {
    @Test(arguments: StatementMode.allCases)
    func decodesATupleByTypeInColumnOrder(mode: StatementMode) throws {
        let db = try TestDatabase.connect(mode: mode)
        let id: Int64 = 42, name = "naïve ' quote; DROP TABLE x", none: String? = nil
        let row = try #require(try db.query("""
            SELECT \(id)::bigint, \(name)::text, \(none)::text, \(true)::bool, 7::int4,
                   '2026-11-23 10:00:00.5+00'::timestamptz, 19.99::numeric(12,2), 0.25::float8, 'admin'::text,
                   '6f1c1a55-0f4e-4a8e-9d43-0a6a1b9b2c3d'::uuid
            """).first)
        let (a, b, c, d, e, f, g, h, i, j) = try row.decode(
            (Int64, String, String?, Bool, Int, Timestamp, Money, Double, Role, String).self)
        #expect(a == 42 && b == name && c == nil && d && e == 7)
        #expect(f.rfc3339 == "2026-11-23T10:00:00Z")
        #expect(g == Money(cents: 1999) && h == 0.25 && i == .admin)
        #expect(j == "6f1c1a55-0f4e-4a8e-9d43-0a6a1b9b2c3d")
        let (later, last) = try row.decode((Money, Double).self, from: 6)
        #expect(later == g && last == h)
    }

    /// A decoder whose types drifted from the select list fails loudly.
    @Test func aColumnOfAnotherTypeIsAnError() throws {
        let db = try TestDatabase.connect()
        let row = try #require(try db.query("SELECT 1::bigint, 'x'::text, true, now(), 1.5::numeric, 'nobody'::text").first)
        #expect(throws: DatabaseError.self) { try row.decode(String.self) }  // an integer as text
        #expect(throws: DatabaseError.self) { try row.decode(Int64.self, from: 1) }  // text as an integer
        #expect(throws: DatabaseError.self) { try row.decode(String.self, from: 2) }  // a bool as text
        #expect(throws: DatabaseError.self) { try row.decode(String.self, from: 3) }  // a timestamp as text
        #expect(throws: DatabaseError.self) { try row.decode(Int64.self, from: 4) }  // numeric as an integer
        #expect(throws: DatabaseError.self) { try row.decode(Role.self, from: 5) }  // not a known role
        #expect(throws: DatabaseError.self) { try row.decode((Int64, String, Bool, Timestamp, Money, String, Int64).self) }  // no 7th column
        #expect(throws: DatabaseError.self) { try row.decode(Int64?.self, from: 6) }  // missing is not NULL
    }

    @Test func nullIsAnErrorUnlessOptional() throws {
        let db = try TestDatabase.connect()
        let row = try #require(try db.query("SELECT NULL::bigint, NULL::text").first)
        #expect(throws: DatabaseError.self) { try row.decode(Int64.self) }
        let (number, text) = try row.decode((Int64?, String?).self)
        #expect(number == nil && text == nil)
    }

    /// Arrays travel as quoted literals: elements with commas, quotes and backslashes, and
    /// NULL, come back as they were.
    @Test(arguments: StatementMode.allCases)
    func arraysRoundTrip(mode: StatementMode) throws {
        let db = try TestDatabase.connect(mode: mode)
        let texts: [String?] = ["a", "b,c", "d\"e", "f\\g", "{h}", nil, ""]
        let back = try db.query("SELECT t FROM unnest(\(texts)::text[]) WITH ORDINALITY AS u (t, n) ORDER BY n").decode(String?.self)
        #expect(back == texts)
        let numbers: [Int64] = [1, -2, 9_007_199_254_740_993]
        #expect(try db.query("SELECT unnest(\(numbers)::bigint[])").decode(Int64.self) == numbers)
    }

    @Test func refusesNULInAnArrayElement() throws {
        let db = try TestDatabase.connect()
        #expect(throws: DatabaseError.invalidParameter("a text parameter contains NUL")) {
            try db.query("SELECT \(["a\u{0}b"])::text[]")
        }
    }

    /// Values become `$n`, so one statement with different values is prepared once.
    @Test func aStatementIsPreparedOnceWhateverItsValues() throws {
        let db = try TestDatabase.connect(mode: .prepared)
        func find(_ id: Int64) -> SQL { "SELECT \(id)::bigint + 0 AS prepared_once_probe" }
        for id in [Int64(1), 2, 3] { #expect(try db.query(find(id)).first?.decode(Int64.self) == id) }
        let prepared = try db.query("SELECT count(*) FROM pg_prepared_statements WHERE statement = \(find(0).text)")
        #expect(try prepared.first?.decode(Int64.self) == 1)
    }
}
