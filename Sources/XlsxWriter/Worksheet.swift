import CXlsxWriter

/// A worksheet borrowed from its workbook: it keeps the workbook alive and refuses every call once the workbook is
/// closed (libxlsxwriter frees worksheets in `workbook_close`). In constant-memory mode cells must be written row by
/// row in order; a cell in a row before the current one fails. Rows and columns count from 0.
public final class Worksheet {
    private let pointer: UnsafeMutablePointer<lxw_worksheet>
    private let workbook: Workbook

    /// Excel's limits: 1,048,576 rows and 16,384 columns.
    public static let maximumRows = Int(LXW_ROW_MAX)
    public static let maximumColumns = Int(LXW_COL_MAX)

    init(_ pointer: UnsafeMutablePointer<lxw_worksheet>, workbook: Workbook) {
        self.pointer = pointer
        self.workbook = workbook
    }

    public func write(number: Double, row: Int, column: Int, format: CellFormat? = nil) throws(XlsxWriterError) {
        try check("writing a number", worksheet_write_number(try live(), try Self.row(row), try Self.column(column), number, format?.pointer))
    }

    /// Always a string cell, never a formula, whatever the text starts with.
    public func write(string: String, row: Int, column: Int, format: CellFormat? = nil) throws(XlsxWriterError) {
        try check("writing a string", worksheet_write_string(try live(), try Self.row(row), try Self.column(column), string, format?.pointer))
    }

    public func write(boolean: Bool, row: Int, column: Int, format: CellFormat? = nil) throws(XlsxWriterError) {
        try check("writing a boolean", worksheet_write_boolean(try live(), try Self.row(row), try Self.column(column), boolean ? 1 : 0, format?.pointer))
    }

    /// A date or date-time cell; `format` should carry a date number format, or Excel shows the serial number.
    public func write(dateTime: ExcelDateTime, row: Int, column: Int, format: CellFormat? = nil) throws(XlsxWriterError) {
        var value = lxw_datetime(year: Int32(dateTime.year), month: Int32(dateTime.month), day: Int32(dateTime.day),
                                 hour: Int32(dateTime.hour), min: Int32(dateTime.minute), sec: dateTime.second)
        try check("writing a date", worksheet_write_datetime(try live(), try Self.row(row), try Self.column(column), &value, format?.pointer))
    }

    /// Width in Excel's character units. In libxlsxwriter 1.1 column widths are kept apart from the row data and
    /// written when the workbook closes, so this may be set after the rows, even in constant-memory mode.
    public func setWidth(_ width: Double, column: Int) throws(XlsxWriterError) {
        let index = try Self.column(column)
        try check("setting a column width", worksheet_set_column(try live(), index, index, width, nil))
    }

    /// Freezes the rows above `row` and the columns left of `column`.
    public func freezePanes(row: Int, column: Int) throws(XlsxWriterError) {
        worksheet_freeze_panes(try live(), try Self.row(row), try Self.column(column))
    }

    public func autofilter(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) throws(XlsxWriterError) {
        try check("setting the autofilter", worksheet_autofilter(try live(), try Self.row(firstRow), try Self.column(firstColumn),
                                                                try Self.row(lastRow), try Self.column(lastColumn)))
    }

    private func live() throws(XlsxWriterError) -> UnsafeMutablePointer<lxw_worksheet> {
        _ = try workbook.live()
        return pointer
    }

    private func check(_ doing: String, _ status: lxw_error) throws(XlsxWriterError) {
        guard status == LXW_NO_ERROR else { throw Workbook.error(doing, status) }
    }

    private static func row(_ index: Int) throws(XlsxWriterError) -> lxw_row_t {
        guard index >= 0, index < maximumRows else { throw XlsxWriterError("row \(index + 1) is beyond Excel's \(maximumRows) rows") }
        return lxw_row_t(index)
    }

    private static func column(_ index: Int) throws(XlsxWriterError) -> lxw_col_t {
        guard index >= 0, index < maximumColumns else { throw XlsxWriterError("column \(index + 1) is beyond Excel's \(maximumColumns) columns") }
        return lxw_col_t(index)
    }
}
