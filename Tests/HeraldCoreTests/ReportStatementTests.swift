import HeraldCore
import Testing

/// A report is a query: its first keyword, past blanks, comments and parentheses, decides.
struct ReportStatementTests {
    @Test(arguments: [("SELECT 1", "select"), ("  -- note\n/* a /* nested */ b */ (WITH x AS (SELECT 1) SELECT * FROM x)", "with"),
                      ("values (1)", "values"), ("TABLE sales", "table"), ("COPY (SELECT 1) TO PROGRAM 'x'", "copy"),
                      ("set role admin", "set"), ("", ""), ("-- only a comment", "")])
    func theFirstKeywordIsFound(sql: String, keyword: String) {
        #expect(ReportStatement.leadingKeyword(sql) == keyword)
    }

    @Test func queriesPassAndEverythingElseIsRefusedByName() {
        #expect(ReportStatement.refusal("select 1") == nil)
        #expect(ReportStatement.refusal("COPY (SELECT 1) TO PROGRAM 'touch x'")?.contains("COPY is not allowed") == true)
        #expect(ReportStatement.refusal("EXPLAIN ANALYZE DELETE FROM t")?.contains("EXPLAIN is not allowed") == true)
        #expect(ReportStatement.refusal("CALL p()") != nil)
        #expect(ReportStatement.refusal("   ") != nil)
    }
}
