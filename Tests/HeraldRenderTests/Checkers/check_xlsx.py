"""Reads an .xlsx with openpyxl (an independent reader) and prints what it found as JSON, for XLSXRendererTests.

Usage: check_xlsx.py FILE            -- everything: sheets, header, frozen panes, autofilter, widths, rows, About
       check_xlsx.py FILE --stream   -- for large files: openpyxl's read-only mode, the row count and the last row
"""
import datetime
import json
import sys

import openpyxl


def cell(c):
    value = c.value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        value = value.isoformat()
    font = getattr(c, "font", None)
    return {"value": value, "type": type(c.value).__name__, "format": c.number_format, "bold": bool(font and font.b)}


def stream(path):
    book = openpyxl.load_workbook(path, read_only=True)
    count, last = 0, []
    for row in book.worksheets[0].iter_rows(min_row=2):
        count, last = count + 1, row
    return {"sheets": book.sheetnames, "data_rows": count, "last_row": [cell(c) for c in last]}


def everything(path):
    book = openpyxl.load_workbook(path)
    data = book.worksheets[0]
    rows = list(data.iter_rows(min_row=2))
    about = book["About"] if "About" in book.sheetnames else None
    return {
        "sheets": book.sheetnames,
        "freeze_panes": data.freeze_panes,
        "auto_filter": data.auto_filter.ref,
        "max_row": data.max_row,
        "widths": {letter: dim.width for letter, dim in data.column_dimensions.items() if dim.customWidth},
        "header": [cell(c) for c in data[1]] if data.max_column and data.cell(1, 1).value is not None else [],
        "rows": [[cell(c) for c in row] for row in rows],
        "about": [[c.value for c in row] for row in about.iter_rows()] if about else None,
    }


path = sys.argv[1]
print(json.dumps(stream(path) if sys.argv[2:] == ["--stream"] else everything(path), ensure_ascii=False))
