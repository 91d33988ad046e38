@testable import Core
import Foundation
import Testing

/// Each body field is declared once (`Field`) and drives validation and both schemas; the
/// migrations state the same rules again as column constraints, so no writer can store
/// what the API refuses. This compares the two: the real migrations are applied to a
/// scratch schema of the real PostgreSQL, and every declaration is checked against its
/// column's nullability, type and `CHECK` constraints as PostgreSQL reports them.
@Suite struct FieldDeclarationTests {
    /// The tables whose columns clients write, with the fields that write them.
    private static let stored: [(table: String, fields: [Field])] = [
        ("products", ProductInput.fields),
        ("authors", LibraryInput.AuthorFields.fields),
        ("books", LibraryInput.BookFields.fields),
        ("users", AccountInput.Registration.fields + AccountInput.UserPatch.fields),
    ]

    private static let migrations = TestDatabase.migrationsDirectory.path

    /// A column as the migrated database has it.
    private struct Column {
        var nullable: Bool
        var type: String
        var precision: Int?
        var scale: Int?
        var checks: [String] = []
    }

    private func migratedColumns() throws -> [String: Column] {
        try TestDatabase.withScratchSchema { db, schema throws in
            // pg_trgm's operator classes live where the extension was created (public).
            try db.execute("SET search_path TO \(schema), public")
            try Migrator.load(directory: Self.migrations, logger: TestDatabase.logger).run(on: db)
            var columns: [String: Column] = [:]
            let described = try db.query("""
                SELECT table_name::text, column_name::text, is_nullable = 'YES', data_type::text,
                       numeric_precision::bigint, numeric_scale::bigint
                FROM information_schema.columns WHERE table_schema = current_schema()
                """)
            for row in described.rows {
                columns["\(try row.string(0)).\(try row.string(1))"] = Column(
                    nullable: try row.bool(2), type: try row.string(3),
                    precision: try row.optionalInt64(4).map(Int.init), scale: try row.optionalInt64(5).map(Int.init))
            }
            // One row per column a CHECK constraint names, with the constraint as PostgreSQL prints it.
            let checks = try db.query("""
                SELECT t.relname::text, a.attname::text, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                WHERE c.contype = 'c' AND t.relnamespace = current_schema()::regnamespace
                """)
            for row in checks.rows {
                columns["\(try row.string(0)).\(try row.string(1))"]?.checks.append(try row.string(2))
            }
            return columns
        }
    }

    /// The bound a check puts on `expression` with `operator` (`>=`, `<=`), as PostgreSQL
    /// prints it: `(char_length(name) <= 200)`, `(price >= (0)::numeric)`.
    private func bound(_ checks: [String], _ expression: String, _ op: String) throws -> String? {
        let escaped = NSRegularExpression.escapedPattern(for: expression)
        let regex = try NSRegularExpression(pattern: "\\(\(escaped) \(op) \\(?(-?[0-9.]+)\\)?(::[a-z]+)?\\)")
        for check in checks {
            let range = NSRange(check.startIndex..., in: check)
            if let match = regex.firstMatch(in: check, range: range), let value = Range(match.range(at: 1), in: check) {
                return String(check[value])
            }
        }
        return nil
    }

    /// The values of a `column IN (...)` check: `(role = ANY (ARRAY['admin'::text, 'user'::text]))`.
    private func choices(_ checks: [String], _ column: String) throws -> [String]? {
        guard let check = checks.first(where: { $0.contains("(\(column) = ANY (ARRAY[") }) else { return nil }
        let regex = try NSRegularExpression(pattern: "'([^']*)'::text")
        return regex.matches(in: check, range: NSRange(check.startIndex..., in: check)).compactMap { match in
            Range(match.range(at: 1), in: check).map { String(check[$0]) }
        }
    }

    @Test func declarationsMatchTheMigrationsConstraints() throws {
        let columns = try migratedColumns()
        #expect(columns["products.name"] != nil, "the migrations ran in the scratch schema")
        for (table, fields) in Self.stored {
            for field in fields where !field.isWriteOnly {
                let at = "\(table).\(field.name)"
                guard let column = columns[at] else {
                    Issue.record("\(at): declared, but the migrations have no such column")
                    continue
                }
                #expect(column.nullable == field.isNullable, "\(at): NOT NULL in the table exactly when the field takes no null")
                switch field.kind {
                case .text(let length):
                    #expect(column.type == "text", "\(at)")
                    let lower = try bound(column.checks, "char_length(\(field.name))", ">=").flatMap { Int($0) }
                    let upper = try bound(column.checks, "char_length(\(field.name))", "<=").flatMap { Int($0) }
                    if field.shown.contains(.length) {
                        // Stored as written: the column holds exactly the declared lengths.
                        #expect((lower ?? 0) == length.lowerBound, "\(at): shortest length")
                        #expect(upper == length.upperBound, "\(at): longest length")
                    } else if let upper {
                        // Stored normalised (trimmed, lower-cased): the format's own rule decides
                        // the shortest value; the longest is still the declared one.
                        #expect(upper == length.upperBound, "\(at): longest length")
                    }
                case .choice(let values, _):
                    #expect(try choices(column.checks, field.name) == values, "\(at): the values the column allows")
                case .integer(let range):
                    let columnMaximum: Int64 = column.type == "bigint" ? .max : column.type == "integer" ? Int64(Int32.max) : 0
                    let lower = try bound(column.checks, field.name, ">=").flatMap { Int64($0) }
                    let checked = try bound(column.checks, field.name, "<=").flatMap { Int64($0) }
                    if column.checks.contains(where: { $0.contains("(\(field.name) ") }) {
                        #expect(lower != nil && checked != nil, "\(at): its CHECK is read as a range: \(column.checks)")
                    }
                    let upper = checked ?? columnMaximum
                    #expect(range.upperBound <= columnMaximum, "\(at): the column's type holds every declared value")
                    if let lower { #expect(lower == range.lowerBound, "\(at): smallest value") }
                    // A bound that moves (next year) is checked as contained in the column's fixed one.
                    #expect(range.upperBound <= upper, "\(at): largest value (\(range.upperBound)) within the column's (\(upper))")
                case .decimal(let minimum, let maximum, let multipleOf):
                    #expect(column.type == "numeric", "\(at)")
                    let precision = column.precision ?? 0, scale = column.scale ?? 0
                    #expect(try bound(column.checks, field.name, ">=") == minimum, "\(at): smallest value")
                    let nines = String(repeating: "9", count: precision - scale)
                    #expect(maximum == (scale > 0 ? nines + "." + String(repeating: "9", count: scale) : nines),
                            "\(at): largest value is what numeric(\(precision),\(scale)) holds")
                    #expect(multipleOf == (scale > 0 ? "0." + String(repeating: "0", count: scale - 1) + "1" : "1"),
                            "\(at): decimal places of numeric(\(precision),\(scale))")
                }
            }
        }
    }

    /// The other direction: a column of these tables that limits text length has a declared
    /// field (a new column with a CHECK cannot be written by a body nobody validates).
    @Test func everyLengthLimitedColumnIsDeclared() throws {
        let columns = try migratedColumns()
        for (table, fields) in Self.stored {
            let declared = Set(fields.map(\.name))
            for (key, column) in columns where key.hasPrefix(table + ".") && column.checks.contains(where: { $0.contains("char_length(") }) {
                let name = String(key.dropFirst(table.count + 1))
                #expect(declared.contains(name), "\(key) has a length CHECK but no declared field")
            }
        }
    }
}
