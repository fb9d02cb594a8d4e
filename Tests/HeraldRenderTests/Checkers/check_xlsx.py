"""Reads an .xlsx with openpyxl (an independent reader) and prints what it found as JSON, for XLSXRendererTests.

Usage: check_xlsx.py FILE [ROWS]  -- ROWS: how many data rows to print in full (default all); the last row is always printed.
"""
import datetime
import json
import sys

import openpyxl


def cell(c):
    value = c.value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        value = value.isoformat()
    return {"value": value, "type": type(c.value).__name__, "format": c.number_format, "bold": bool(c.font and c.font.b)}


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    book = openpyxl.load_workbook(path)
    data = book.worksheets[0]
    rows = list(data.iter_rows(min_row=2))
    about = book["About"] if "About" in book.sheetnames else None
    print(json.dumps({
        "sheets": book.sheetnames,
        "title": data.title,
        "freeze_panes": data.freeze_panes,
        "auto_filter": data.auto_filter.ref,
        "max_row": data.max_row,
        "widths": {letter: dim.width for letter, dim in data.column_dimensions.items() if dim.customWidth},
        "header": [cell(c) for c in data[1]],
        "rows": [[cell(c) for c in row] for row in rows[:limit]],
        "last_row": [cell(c) for c in rows[-1]] if rows else [],
        "about": [[c.value for c in row] for row in about.iter_rows()] if about else None,
    }, ensure_ascii=False))


main()
