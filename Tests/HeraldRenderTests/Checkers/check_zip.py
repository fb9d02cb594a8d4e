"""Reads a .zip with Python's zipfile (an independent reader) and prints what it found as JSON, for ZipArchiveTests.

Usage: check_zip.py ARCHIVE [NAME=ORIGINAL ...]   -- each NAME's content is compared with the file ORIGINAL, byte for byte
       check_zip.py ARCHIVE --count               -- for archives of many entries: the count and the first and last names
"""
import json
import sys
import zipfile


def entries(archive, originals):
    with zipfile.ZipFile(archive) as z:
        found = []
        for info in z.infolist():
            entry = {
                "name": info.filename,
                "compress_type": info.compress_type,
                "deflated": info.compress_type == zipfile.ZIP_DEFLATED,
                "file_size": info.file_size,
                "compress_size": info.compress_size,
                "utf8_flag": bool(info.flag_bits & 0x800),
                "date_time": list(info.date_time),
                "mode": info.external_attr >> 16,
            }
            if info.filename in originals:
                with open(originals[info.filename], "rb") as original, z.open(info) as stored:
                    entry["equal"] = read_equal(original, stored)
            found.append(entry)
        return {"testzip": z.testzip(), "entries": found}


def read_equal(a, b):
    while True:
        x, y = a.read(1 << 20), b.read(1 << 20)
        if x != y:
            return False
        if not x:
            return True


def count(archive):
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        return {"testzip": z.testzip(), "count": len(names), "first": names[0], "last": names[-1]}


if __name__ == "__main__":
    path, rest = sys.argv[1], sys.argv[2:]
    if rest == ["--count"]:
        print(json.dumps(count(path)))
    else:
        print(json.dumps(entries(path, dict(arg.split("=", 1) for arg in rest))))
