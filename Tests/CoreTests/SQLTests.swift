import Core
import Testing

/// `SQL`: values interpolated into a statement become numbered parameters, never text.
@Suite struct SQLTests {
    @Test func valuesBecomeNumberedParametersInOrder() {
        let id: Int64 = 7, name = "Ada", limit = 20
        let sql: SQL = "SELECT x FROM t WHERE id = \(id) AND name = \(name) LIMIT \(limit)"
        #expect(sql.text == "SELECT x FROM t WHERE id = $1 AND name = $2 LIMIT $3")
        #expect(sql.bindings == ["7", "Ada", "20"])
    }

    @Test func aValueUsedTwiceIsTwoParameters() {
        let after: Int64? = 5
        let sql: SQL = "WHERE (\(after)::bigint IS NULL OR id > \(after))"
        #expect(sql.text == "WHERE ($1::bigint IS NULL OR id > $2)")
        #expect(sql.bindings == ["5", "5"])
    }

    @Test func aLiteralWithoutValuesHasNoBindings() {
        let sql: SQL = "SELECT 1"
        #expect(sql.text == "SELECT 1")
        #expect(sql.bindings.isEmpty)
        #expect(SQL(unescaped: "SELECT 2") == SQL(stringLiteral: "SELECT 2"))
    }

    /// Text that looks like SQL stays a value; only `unescaped:` splices text.
    @Test func textIsBoundUnlessMarkedUnescaped() {
        let hostile = "1; DROP TABLE users; --"
        let columns = "p.id, p.name"
        let sql: SQL = "SELECT \(unescaped: columns) FROM products p WHERE p.name = \(hostile)\(unescaped: " FOR UPDATE")"
        #expect(sql.text == "SELECT p.id, p.name FROM products p WHERE p.name = $1 FOR UPDATE")
        #expect(sql.bindings == [hostile])
    }

    /// The text is the same whatever the values, so a prepared statement is reused.
    @Test func theTextDoesNotDependOnTheValues() {
        func find(_ id: Int64) -> SQL { "SELECT * FROM products WHERE id = \(id)" }
        #expect(find(1).text == find(9_999_999).text)
        #expect(find(1).bindings != find(2).bindings)
    }

    @Test func optionalsBindNullOrTheirValue() {
        let none: String? = nil, some: Int64? = 3
        let sql: SQL = "VALUES (\(none), \(some), \(true), \(false))"
        #expect(sql.text == "VALUES ($1, $2, $3, $4)")
        #expect(sql.bindings == [nil, "3", "t", "f"])
    }

    /// Arrays are PostgreSQL array literals with every element quoted, so no element can
    /// split the literal; nil elements are NULL.
    @Test func arraysBindAsQuotedArrayLiterals() {
        let ids = ["a", "b,c", "d\"e", "f\\g"]
        let maybe: [Int64?] = [1, nil, -3]
        let sql: SQL = "SELECT \(ids)::text[], \(maybe)::bigint[], \([String]())::text[]"
        #expect(sql.text == "SELECT $1::text[], $2::bigint[], $3::text[]")
        #expect(sql.bindings == [#"{"a","b,c","d\"e","f\\g"}"#, #"{"1",NULL,"-3"}"#, "{}"])
    }

    /// `$10` and beyond are numbered like the rest.
    @Test func manyValuesKeepCounting() {
        let v = Array(1...12)
        let sql: SQL = "SELECT \(v[0]), \(v[1]), \(v[2]), \(v[3]), \(v[4]), \(v[5]), \(v[6]), \(v[7]), \(v[8]), \(v[9]), \(v[10]), \(v[11])"
        #expect(sql.text == "SELECT " + (1...12).map { "$\($0)" }.joined(separator: ", "))
        #expect(sql.bindings == (1...12).map { String($0) })
    }

    /// A statement spliced into another keeps its values, renumbered after the outer ones.
    @Test func aSplicedStatementsParametersFollowTheOuterOnes() {
        let (id, low): (Int64, Int64) = (7, 3)
        let inner: SQL = "SELECT x FROM t WHERE id = \(id) AND y > \(low)"
        let outer: SQL = "SELECT * FROM (\(inner)) AS i WHERE NOT EXISTS (SELECT 1 FROM p WHERE id = \(id))"
        #expect(outer.text == "SELECT * FROM (SELECT x FROM t WHERE id = $1 AND y > $2) AS i WHERE NOT EXISTS (SELECT 1 FROM p WHERE id = $3)")
        #expect(outer.bindings == ["7", "3", "7"])
        let first: SQL = "SELECT \(low) AS a, \(inner) AS b"
        #expect(first.text == "SELECT $1 AS a, SELECT x FROM t WHERE id = $2 AND y > $3 AS b")
        #expect(first.bindings == ["3", "7", "3"])
        // Two-digit numbers renumbered whole: the inner $10 becomes $11, not $21 or $1 then 0.
        let (a, b, c, d, e, f, g, h, i, j) = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
        let ten: SQL = "VALUES (\(a),\(b),\(c),\(d),\(e),\(f),\(g),\(h),\(i),\(j))"
        let wrapped: SQL = "SELECT \(low), \(ten)"
        #expect(wrapped.text == "SELECT $1, VALUES ($2,$3,$4,$5,$6,$7,$8,$9,$10,$11)")
        #expect(wrapped.bindings == ["3"] + (1...10).map(String.init))
        // A `$` not followed by digits is left alone.
        let quoted: SQL = "SELECT $$a$$, \(low), '$x'"
        let spliced: SQL = "SELECT \(id), \(quoted)"
        #expect(spliced.text == "SELECT $1, SELECT $$a$$, $2, '$x'")
    }
}
