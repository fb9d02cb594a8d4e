import Testing
@testable import HeraldRender

struct CSVRendererTests {
    func text(_ columns: [String], _ rows: [[String?]]) -> String { String(decoding: CSVRenderer.render(columns: columns, rows: rows), as: UTF8.self) }

    @Test func quotesOnlyWhatNeedsQuoting() {
        #expect(text(["id", "name"], [["1", "Ada"], ["2", "O\"Brien, Jr."], ["3", nil], ["4", "two\nlines"]])
                == "id,name\r\n1,Ada\r\n2,\"O\"\"Brien, Jr.\"\r\n3,\r\n4,\"two\nlines\"\r\n")
    }

    @Test func keepsUnicode() {
        #expect(text(["städte"], [["Zürich ✓"]]) == "städte\r\nZürich ✓\r\n")
    }

    @Test func defusesSpreadsheetFormulasButNotNegativeNumbers() {
        #expect(text(["v"], [["=HYPERLINK(\"http://x\")"], ["-42.5"], ["+1"], ["@SUM(A1)"], ["-x"]])
                == "v\r\n\"'=HYPERLINK(\"\"http://x\"\")\"\r\n-42.5\r\n+1\r\n'@SUM(A1)\r\n'-x\r\n")
    }

    @Test func aHeaderOnlyReportIsOneLine() {
        #expect(text(["a", "b"], []) == "a,b\r\n")
    }
}
