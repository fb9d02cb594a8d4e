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
    private var pointer: UnsafeMutablePointer<lxw_workbook>?
    /// libxlsxwriter keeps the options' `tmpdir` pointer, so the string lives as long as the workbook.
    private let temporaryDirectory: UnsafeMutablePointer<CChar>

    /// `temporaryDirectory` holds libxlsxwriter's row files while the workbook is open (they are unlinked at once,
    /// so nothing is left there even after a crash); put it on the output's file system, not a small `/tmp`.
    public init(path: String, temporaryDirectory: String) throws(XlsxWriterError) {
        guard let directory = strdup(temporaryDirectory) else { throw XlsxWriterError("out of memory") }
        self.temporaryDirectory = directory
        var options = lxw_workbook_options(constant_memory: UInt8(LXW_TRUE.rawValue), tmpdir: directory, use_zip64: UInt8(LXW_FALSE.rawValue))
        guard let workbook = workbook_new_opt(path, &options) else {
            free(directory)
            throw XlsxWriterError("could not create a workbook for \(path)")
        }
        pointer = workbook
    }

    deinit {
        if let pointer { lxw_workbook_free(pointer) }
        free(temporaryDirectory)
    }

    /// A new worksheet, borrowed from this workbook. Excel's rules for the name (at most 31 characters, none of
    /// `[ ] : * ? / \`, unique, no leading or trailing apostrophe) are checked first, so the error says which.
    public func addWorksheet(named name: String) throws(XlsxWriterError) -> Worksheet {
        let workbook = try open()
        let validation = workbook_validate_sheet_name(workbook, name)
        guard validation == LXW_NO_ERROR else { throw Self.error("worksheet name", validation) }
        guard let sheet = workbook_add_worksheet(workbook, name) else { throw XlsxWriterError("could not add a worksheet") }
        return Worksheet(sheet, workbook: self)
    }

    /// A cell format, borrowed from this workbook; `numberFormat` is Excel's code, such as `yyyy-mm-dd`.
    public func addFormat(bold: Bool = false, numberFormat: String? = nil) throws(XlsxWriterError) -> CellFormat {
        let workbook = try open()
        guard let format = workbook_add_format(workbook) else { throw XlsxWriterError("could not add a format") }
        if bold { format_set_bold(format) }
        if let numberFormat { format_set_num_format(format, numberFormat) }
        return CellFormat(format)
    }

    /// Assembles and writes the file, then frees the workbook and its worksheets; after this every handle is dead.
    public func close() throws(XlsxWriterError) {
        let workbook = try open()
        pointer = nil
        let status = workbook_close(workbook)
        guard status == LXW_NO_ERROR else { throw Self.error("writing the workbook", status) }
    }

    /// The live workbook, or an error once it is closed (a borrowed worksheet calls this before each use).
    func open() throws(XlsxWriterError) -> UnsafeMutablePointer<lxw_workbook> {
        guard let pointer else { throw XlsxWriterError("the workbook is already closed") }
        return pointer
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
