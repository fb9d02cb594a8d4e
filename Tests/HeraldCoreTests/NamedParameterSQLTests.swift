import Testing
@testable import HeraldCore

/// The rewriter turns only real `:name` placeholders into binds and leaves every other colon alone.
struct NamedParameterSQLTests {
    static let declared = [
        ReportParameter(name: "region", type: .text),
        ReportParameter(name: "from", type: .date),
        ReportParameter(name: "regions", type: .list, itemType: .text),
    ]

    static func rewrite(_ sql: String, _ parameters: [ReportParameter] = declared) throws -> NamedParameterSQL {
        try NamedParameterSQL(sql, parameters: parameters)
    }

    static func refusal(_ sql: String, _ parameters: [ReportParameter] = declared) -> [String] {
        do {
            _ = try NamedParameterSQL(sql, parameters: parameters)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func placeholdersBecomeNumberedBindsInOrderOfFirstUse() throws {
        let query = try Self.rewrite("SELECT * FROM sales WHERE region = :region AND sold_at >= :from AND region = ANY(:regions)")
        #expect(query.sql == "SELECT * FROM sales WHERE region = $1 AND sold_at >= $2 AND region = ANY($3)")
        #expect(query.names == ["region", "from", "regions"])
        #expect(query.warnings.isEmpty)
    }

    @Test func aNameUsedTwiceBindsOnce() throws {
        let query = try Self.rewrite("SELECT :from, :region WHERE a >= :from OR b < :from", Array(Self.declared.prefix(2)))
        #expect(query.sql == "SELECT $1, $2 WHERE a >= $1 OR b < $1")
        #expect(query.names == ["from", "region"])
    }

    @Test func castsAreLeftAlone() throws {
        let query = try Self.rewrite("SELECT x::int, y:: text, :from::date, :region::text[], '1'::numeric, z::region", Array(Self.declared.prefix(2)))
        #expect(query.sql == "SELECT x::int, y:: text, $1::date, $2::text[], '1'::numeric, z::region")
    }

    @Test func stringLiteralsAreLeftAlone() throws {
        let query = try Self.rewrite("SELECT ':region', 'it''s :region', 'C:\\' || :region, U&':region' FROM t", [Self.declared[0]])
        #expect(query.sql == "SELECT ':region', 'it''s :region', 'C:\\' || $1, U&':region' FROM t")
    }

    @Test func escapeStringsHonourBackslashes() throws {
        let query = try Self.rewrite("SELECT E'it\\'s :region', e'\\\\', :region, E'a''b :region'", [Self.declared[0]])
        #expect(query.sql == "SELECT E'it\\'s :region', e'\\\\', $1, E'a''b :region'")
    }

    @Test func quotedIdentifiersAreLeftAlone() throws {
        let query = try Self.rewrite("SELECT \"col:region\", \"a\"\":region\" FROM t WHERE r = :region", [Self.declared[0]])
        #expect(query.sql == "SELECT \"col:region\", \"a\"\":region\" FROM t WHERE r = $1")
    }

    @Test func commentsAreLeftAlone() throws {
        let sql = "SELECT 1 -- :region here\n/* outer /* :region inner */ still :region */ WHERE r = :region"
        let query = try Self.rewrite(sql, [Self.declared[0]])
        #expect(query.sql == "SELECT 1 -- :region here\n/* outer /* :region inner */ still :region */ WHERE r = $1")
        #expect(query.names == ["region"])
    }

    @Test func dollarQuotedBodiesAreLeftAlone() throws {
        let sql = "SELECT $$ :region ' $$, $fn$ :region $$ :from $fn$, :region, a$b, $tag$x$tag$"
        let query = try Self.rewrite(sql, [Self.declared[0]])
        #expect(query.sql == "SELECT $$ :region ' $$, $fn$ :region $$ :from $fn$, $1, a$b, $tag$x$tag$")
    }

    @Test func arraySlicesAreLeftAlone() throws {
        let query = try Self.rewrite("SELECT a[1:2], b[3 :4], c[:2], :region FROM t", [Self.declared[0]])
        #expect(query.sql == "SELECT a[1:2], b[3 :4], c[:2], $1 FROM t")
    }

    @Test func nonASCIITextAroundPlaceholdersSurvives() throws {
        let query = try Self.rewrite("SELECT 'Zürich — 東京' AS ort, städte FROM t WHERE ort = :region", [Self.declared[0]])
        #expect(query.sql == "SELECT 'Zürich — 東京' AS ort, städte FROM t WHERE ort = $1")
    }

    @Test func anUnknownNameIsRefusedByName() {
        #expect(Self.refusal("SELECT :regoin, :regoin, :to") == [
            "sql uses :regoin, which is not a declared parameter", "sql uses :to, which is not a declared parameter",
        ])
        #expect(Self.refusal("SELECT :Region", [Self.declared[0]]) == ["sql uses :Region, which is not a declared parameter"])
    }

    @Test func aDeclaredParameterNeverUsedIsAWarning() throws {
        let query = try Self.rewrite("SELECT :from")
        #expect(query.warnings == [
            ValidationError(field: "parameters[0].name", message: "is declared but the SQL never uses :region"),
            ValidationError(field: "parameters[2].name", message: "is declared but the SQL never uses :regions"),
        ])
    }

    @Test func aListInsideInIsRefusedWithTheSpellingThatWorks() throws {
        for sql in ["WHERE r IN (:regions)", "WHERE r in(:regions)", "WHERE r NOT IN ( :regions )", "WHERE r IN ('x', :regions)",
                    "WHERE r IN /* why */ (:regions)", "WHERE (r) IN ((:regions))"] {
            #expect(Self.refusal(sql) == ["sql uses IN (:regions) with a list parameter; write = ANY(:regions) instead"], "\(sql)")
        }
        #expect(try Self.rewrite("WHERE r IN (:region, :from)", Array(Self.declared.prefix(2))).sql == "WHERE r IN ($1, $2)")
        #expect(try Self.rewrite("WHERE r <> ALL(:regions)", [Self.declared[2]]).sql == "WHERE r <> ALL($1)")
        let subquery = "WHERE r IN (SELECT code FROM regions WHERE code = ANY(:regions)) AND (r = ANY(:regions))"
        #expect(try Self.rewrite(subquery, [Self.declared[2]]).sql == "WHERE r IN (SELECT code FROM regions WHERE code = ANY($1)) AND (r = ANY($1))")
    }

    @Test func numberedPlaceholdersWrittenByHandAreRefused() {
        #expect(Self.refusal("SELECT $1, :region", [Self.declared[0]]) == [
            "sql uses $1; write named parameters such as :region instead of numbered ones",
        ])
    }

    /// Hostile values only ever reach the bound values: the SQL text is the same whatever they are.
    @Test func hostileValuesStayInTheBindings() throws {
        let parameters = [ReportParameter(name: "region", type: .text), ReportParameter(name: "limit", type: .integer)]
        let query = try Self.rewrite("SELECT * FROM sales WHERE region = :region LIMIT :limit", parameters)
        let slot = LogicalTime(instant: 0, zone: .utc)
        for hostile in ["'; DROP TABLE reports; --", "1 OR 1=1", "$$", "pg_read_file('/etc/passwd')", ":limit"] {
            let values = try ReportParameter.resolve(parameters, values: ["region": .string(hostile), "limit": .integer(5)], at: slot)
            #expect(query.sql == "SELECT * FROM sales WHERE region = $1 LIMIT $2")
            #expect(query.bindings(values) == [hostile, "5"])
            #expect(!query.sql.contains(hostile))
        }
        #expect(throws: ValidationErrors.self) {
            try ReportParameter.resolve(parameters, values: ["limit": .string("1 OR 1=1")], at: slot)
        }
    }

    @Test func aParameterWithoutValueBindsNull() throws {
        let query = try Self.rewrite("SELECT :region, :from", Array(Self.declared.prefix(2)))
        #expect(query.bindings(["from": .date(CivilDate(year: 2026, month: 3, day: 1))]) == [nil, "2026-03-01"])
    }

    @Test func unterminatedLiteralsAreCopiedForPostgreSQLToReport() throws {
        #expect(try Self.rewrite("SELECT :region, 'open :region", [Self.declared[0]]).sql == "SELECT $1, 'open :region")
        #expect(try Self.rewrite("SELECT :region /* open :region", [Self.declared[0]]).sql == "SELECT $1 /* open :region")
        #expect(try Self.rewrite("SELECT :region, $q$ open :region", [Self.declared[0]]).sql == "SELECT $1, $q$ open :region")
    }
}
