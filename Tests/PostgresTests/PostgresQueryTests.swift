import Foundation
import Testing
import TestSupport
@testable import Postgres

struct PostgresQueryTests {
    @Test func interpolatedValuesBecomeNumberedBinds() {
        let name = "O'Brien"
        let limit = 10
        let missing: String? = nil
        let query: PostgresQuery = "SELECT * FROM t WHERE name = \(name) AND note = \(missing) LIMIT \(limit)"
        #expect(query.sql == "SELECT * FROM t WHERE name = $1 AND note = $2 LIMIT $3")
        #expect(query.binds == ["O'Brien", nil, "10"])
    }

    @Test func onlyTheUnsafeSpellingSplicesSQL() {
        let table = "users"
        let query: PostgresQuery = "SELECT count(*) FROM \(unsafeRaw: table) WHERE id = \(7)"
        #expect(query.sql == "SELECT count(*) FROM users WHERE id = $1")
        #expect(query.binds == ["7"])
    }

    @Test func arraysBecomeQuotedArrayLiterals() {
        #expect(["a", "b\"c", "d\\e", "", "NULL"].postgresText == #"{"a","b\"c","d\\e","","NULL"}"#)
        #expect([1, 2, 3].postgresText == #"{"1","2","3"}"#)
        #expect(([0x00, 0xAB, 0xFF] as [UInt8]).postgresText == #"\x00abff"#)
    }

    @Test func timestampsParseEveryShapeTheServerWrites() throws {
        let reference = Date(timeIntervalSince1970: 1_795_403_544.123456)
        for text in ["2026-11-23 03:12:24.123456+00", "2026-11-23T03:12:24.123456Z", "2026-11-23 08:42:24.123456+05:30",
                     "2026-11-23 00:12:24.123456-03"] {
            let parsed = try #require(PostgresTimestamp.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(reference)) < 0.000_001, "\(text)")
        }
        #expect(PostgresTimestamp.parse("2026-11-23 03:12:24+00") == Date(timeIntervalSince1970: 1_795_403_544))
        #expect(PostgresTimestamp.parse("yesterday") == nil)
        #expect(PostgresTimestamp.format(reference) == "2026-11-23T03:12:24.123456Z")
    }
}

struct PostgresQueryFragmentTests {
    @Test func aFragmentsPlaceholdersFollowTheOuterOnes() {
        let inner: PostgresQuery = "(a = \(1) OR b = \("x"))"
        let outer: PostgresQuery = "SELECT * FROM t WHERE c = \(true) AND \(fragment: inner) AND d = \(2.5)"
        #expect(outer.sql == "SELECT * FROM t WHERE c = $1 AND (a = $2 OR b = $3) AND d = $4")
        #expect(outer.binds == ["t", "1", "x", "2.5"])
    }

    @Test func renumberingKeepsDollarQuotesAndManyDigitsAndMultiByteText() {
        let values: [PostgresQuery] = (1...11).map { "\($0)" }
        var wide: PostgresQuery = ""
        for value in values { wide = "\(fragment: wide)\(fragment: value)," }
        #expect(wide.sql == "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,")
        let inner: PostgresQuery = "$$ünïcode$$ || \(7) || '$' || $x || \("y")"
        let outer: PostgresQuery = "SELECT \(1), \(2) FROM t WHERE \(fragment: inner) = \(fragment: wide)"
        #expect(outer.sql == "SELECT $1, $2 FROM t WHERE $$ünïcode$$ || $3 || '$' || $x || $4 = $5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,")
        #expect(outer.binds.count == 15)
        let plain: PostgresQuery = "x = 'no placeholders'"
        #expect(PostgresQuery("a = \(1) AND \(fragment: plain)").sql == "a = $1 AND x = 'no placeholders'")
    }
}
