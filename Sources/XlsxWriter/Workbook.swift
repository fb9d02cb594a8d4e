import CXlsxWriter
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `lxw_workbook` in constant-memory mode: each worksheet's rows go to a temporary file as they are
/// written (rows in order, a row final once the next starts), so memory stays flat however long the result.
/// libxlsxwriter writes the `.xlsx` only in `close`, whose error is the one that matters (a full disk, a bad path);
/// a workbook never closed is freed in `deinit` without writing anything.
public final class Workbook {
    public let path: String
    private var pointer: UnsafeMutablePointer<lxw_workbook>?
    /// Borrowed by the `Worksheet`s. libxlsxwriter 1.1 closes a sheet's row file only while copying its rows into the
    /// package: `lxw_workbook_free`, a sheet without rows and a package that cannot be created leave it open.
    private var sheets: [UnsafeMutablePointer<lxw_worksheet>] = []

    /// `temporaryDirectory` holds libxlsxwriter's row files while the workbook is open (unlinked at once, so nothing
    /// is left there even after a crash); put it on the output's file system, not a small `/tmp`.
    public init(path: String, temporaryDirectory: String) throws(XlsxWriterError) {
        let workbook = temporaryDirectory.withCString { directory in
            // libxlsxwriter copies the directory's name.
            var options = lxw_workbook_options(constant_memory: UInt8(LXW_TRUE.rawValue), tmpdir: UnsafeMutablePointer(mutating: directory),
                                               use_zip64: UInt8(LXW_FALSE.rawValue))
            return workbook_new_opt(path, &options)
        }
        guard let workbook else { throw XlsxWriterError("could not create a workbook for \(path)") }
        self.path = path
        pointer = workbook
    }

    deinit {
        guard let pointer else { return }
        closeRowFiles(of: sheets)
        lxw_workbook_free(pointer)
    }

    /// A new worksheet, borrowed from this workbook. Excel's rules for the name (at most 31 characters, none of
    /// `[ ] : * ? / \`, unique, no leading or trailing apostrophe) are checked first, so the error says which.
    public func addWorksheet(named name: String) throws(XlsxWriterError) -> Worksheet {
        let workbook = try live()
        let validation = workbook_validate_sheet_name(workbook, name)
        guard validation == LXW_NO_ERROR else { throw Self.error("worksheet name", validation) }
        guard let sheet = workbook_add_worksheet(workbook, name) else { throw XlsxWriterError("could not add a worksheet") }
        sheets.append(sheet)
        return Worksheet(sheet, workbook: self)
    }

    /// A cell format, borrowed from this workbook; `numberFormat` is Excel's code, such as `yyyy-mm-dd`.
    public func addFormat(bold: Bool = false, numberFormat: String? = nil) throws(XlsxWriterError) -> CellFormat {
        let workbook = try live()
        guard let format = workbook_add_format(workbook) else { throw XlsxWriterError("could not add a format") }
        if bold { format_set_bold(format) }
        if let numberFormat { format_set_num_format(format, numberFormat) }
        return CellFormat(format)
    }

    /// Assembles and writes the file, then frees the workbook and its worksheets; after this every handle is dead.
    /// The output is opened first, so that the likely failure (a missing folder, no permission) is found while the
    /// row files can still be closed; a failure inside `workbook_close` (a full disk) may leave them open.
    public func close() throws(XlsxWriterError) {
        let workbook = try live()
        guard let output = fopen(path, "ab") else { throw XlsxWriterError("cannot create \(path): \(String(cString: strerror(errno)))") }
        fclose(output)  // nothing was written through it, so its close cannot lose data
        closeRowFiles(of: sheets.filter { $0.pointee.dim_rowmin == lxw_row_t(LXW_ROW_MAX) })
        pointer = nil
        let status = workbook_close(workbook)
        guard status == LXW_NO_ERROR else { throw Self.error("writing the workbook", status) }
    }

    /// The live workbook, or an error once it is closed (a borrowed worksheet calls this before each use).
    func live() throws(XlsxWriterError) -> UnsafeMutablePointer<lxw_workbook> {
        guard let pointer else { throw XlsxWriterError("the workbook is already closed") }
        return pointer
    }

    /// The rows in these files are being thrown away, so a failing `fclose` loses nothing.
    private func closeRowFiles(of sheets: [UnsafeMutablePointer<lxw_worksheet>]) {
        for sheet in sheets where sheet.pointee.optimize_tmpfile != nil {
            fclose(sheet.pointee.optimize_tmpfile)
            sheet.pointee.optimize_tmpfile = nil
        }
    }

    /// libxlsxwriter's text for `status`, copied at once.
    static func error(_ doing: String, _ status: lxw_error) -> XlsxWriterError {
        let text = lxw_strerror(status).map { String(cString: $0) } ?? "error \(status.rawValue)"
        return XlsxWriterError("\(doing): \(text)")
    }
}

/// A cell format owned by its workbook (libxlsxwriter frees formats with the workbook).
public struct CellFormat {
    let pointer: UnsafeMutablePointer<lxw_format>
    init(_ pointer: UnsafeMutablePointer<lxw_format>) { self.pointer = pointer }
}
