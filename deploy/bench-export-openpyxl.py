"""The XLSX baseline of deploy/bench-export.sh: openpyxl in write-only mode writing the rows of the benchmark's table,
read as they come from the CSV that `psql -c "COPY (...) TO STDOUT WITH CSV"` wrote, each value typed as Herald types
it (int, float, date, naive datetime, bool, text, None). Prints one JSON line: rows, seconds in all, and the seconds
of the same read and typing without openpyxl (so the share of openpyxl itself is known).

Usage: bench-export-openpyxl.py ROWS.csv OUT.xlsx
"""
import csv
import datetime
import json
import sys
import time

import openpyxl

HEADER = ["id", "name", "amount", "day", "at", "paid", "big", "ratio", "region", "note"]


def typed(rows):
    for r in rows:
        yield [
            int(r[0]), r[1], float(r[2]), datetime.date.fromisoformat(r[3]),
            datetime.datetime.fromisoformat(r[4]).replace(tzinfo=None), r[5] == "t", int(r[6]), float(r[7]), r[8],
            r[9] if r[9] != "" else None,
        ]


def read_only(path):
    started = time.perf_counter()
    count = 0
    with open(path, newline="", encoding="utf-8") as f:
        for _ in typed(csv.reader(f)):
            count += 1
    return count, time.perf_counter() - started


def write(path, out):
    started = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Export benchmark")
    sheet.append(HEADER)
    count = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in typed(csv.reader(f)):
            sheet.append(row)
            count += 1
    book.save(out)
    return count, time.perf_counter() - started


if __name__ == "__main__":
    source, out = sys.argv[1], sys.argv[2]
    rows, seconds = write(source, out)
    _, feed = read_only(source)
    print(json.dumps({"rows": rows, "seconds": seconds, "feed_seconds": feed}))
