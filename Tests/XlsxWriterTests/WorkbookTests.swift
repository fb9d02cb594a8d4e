import Foundation
import Testing
import XlsxWriter

/// The wrapper's handles: one owner, borrowed sheets that die with it, errors carrying libxlsxwriter's own text.
struct WorkbookTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/herald-xlsxwriter-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// This process's open files under `folder` (libxlsxwriter's row files are unlinked, so only /proc shows them).
    static func openFiles(under folder: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasPrefix(folder + "/") == true
        }.count
    }

    @Test func aWorkbookNeverClosedWritesNothingAndLeavesNoFileOpen() throws {
        let folder = try Self.folder()
        do {
            let workbook = try Workbook(path: folder + "/never.xlsx", temporaryDirectory: folder)
            for name in ["one", "two"] {
                let sheet = try workbook.addWorksheet(named: name)
                try sheet.write(number: 1, row: 0, column: 0)
                try sheet.write(string: "x", row: 1, column: 0)
            }
            #expect(try Self.openFiles(under: folder) == 2)
        }
        #expect(try Self.openFiles(under: folder) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func aClosedWorkbookRefusesItsSheetsAndASecondClose() throws {
        let folder = try Self.folder()
        let workbook = try Workbook(path: folder + "/book.xlsx", temporaryDirectory: folder)
        let sheet = try workbook.addWorksheet(named: "data")
        try sheet.write(boolean: true, row: 0, column: 0)
        try workbook.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/book.xlsx")).starts(with: [0x50, 0x4B]))
        #expect(try Self.openFiles(under: folder) == 0)
        #expect(throws: XlsxWriterError("the workbook is already closed")) { try sheet.write(number: 2, row: 1, column: 0) }
        #expect(throws: XlsxWriterError("the workbook is already closed")) { try workbook.close() }
    }

    @Test func errorsCarryLibxlsxwritersText() throws {
        let folder = try Self.folder()
        let workbook = try Workbook(path: folder + "/book.xlsx", temporaryDirectory: folder)
        #expect(throws: XlsxWriterError("worksheet name: Worksheet name cannot contain invalid characters: '[ ] : * ? / \\'")) {
            try workbook.addWorksheet(named: "a[b]")
        }
        let sheet = try workbook.addWorksheet(named: "data")
        try sheet.write(number: 1, row: 5, column: 0)
        // Constant-memory mode: a row before the current one is gone.
        #expect(throws: XlsxWriterError.self) { try sheet.write(number: 1, row: 4, column: 0) }
        #expect(throws: XlsxWriterError("row 1048577 is beyond Excel's 1048576 rows")) { try sheet.write(number: 1, row: 1_048_576, column: 0) }
        #expect(ExcelDateTime(year: 1899, month: 12, day: 31) == nil)
        #expect(ExcelDateTime(year: 2026, month: 11, day: 23, hour: 24) == nil)
    }

    @Test func aSheetWithoutRowsLeavesNoFileOpen() throws {
        let folder = try Self.folder()
        let workbook = try Workbook(path: folder + "/book.xlsx", temporaryDirectory: folder)
        try workbook.addWorksheet(named: "data").write(number: 1, row: 0, column: 0)
        _ = try workbook.addWorksheet(named: "empty")
        try workbook.close()
        #expect(try Self.openFiles(under: folder) == 0)
    }

    /// The close that fails leaves the workbook unwritten; dropping it then closes its row files.
    @Test func aMissingFolderFailsAtClose() throws {
        let folder = try Self.folder()
        do {
            let workbook = try Workbook(path: folder + "/missing/book.xlsx", temporaryDirectory: folder)
            try workbook.addWorksheet(named: "data").write(number: 1, row: 0, column: 0)
            #expect(throws: XlsxWriterError("cannot create \(folder)/missing/book.xlsx: No such file or directory")) { try workbook.close() }
        }
        #expect(try Self.openFiles(under: folder) == 0)
    }
}
