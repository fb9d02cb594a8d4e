"""Prints a JSON summary of one message file (.eml) as Python's `email` package reads it, for the email channel's
tests: every top-level header (raw, and decoded as a reader would show it), the header lines longer than 78 characters, any defects the parser found, and the
MIME tree: each part's content type, disposition, file name, and either its decoded text (text parts that are not
attachments) or the SHA-256 and size of its decoded bytes (and, for a zip, each entry's name and SHA-256).

Usage: parse_email.py MESSAGE.eml   (standard library only)
"""
import email
import email.policy
import hashlib
import io
import json
import sys
import zipfile


def part_summary(part):
    summary = {
        "content_type": part.get_content_type(),
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
        "charset": part.get_content_charset(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
        "defects": [type(d).__name__ for d in part.defects],
    }
    if part.is_multipart():
        summary["parts"] = [part_summary(p) for p in part.iter_parts()]
        return summary
    data = part.get_payload(decode=True) or b""
    summary["sha256"] = hashlib.sha256(data).hexdigest()
    summary["size"] = len(data)
    if part.get_content_maintype() == "text" and summary["disposition"] is None:
        summary["text"] = part.get_content()
    if summary["content_type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            summary["zip_entries"] = [{"name": info.filename, "sha256": hashlib.sha256(archive.read(info)).hexdigest()}
                                      for info in archive.infolist()]
    return summary


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    compat = email.message_from_bytes(raw, policy=email.policy.compat32)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "headers": [[name, str(value)] for name, value in message.items()],
        "raw_headers": [[name, value] for name, value in compat.items()],
        "long_header_lines": [line.decode("ascii", "replace") for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                              if len(line) > 78],
        "defects": [type(d).__name__ for d in message.defects],
        "tree": part_summary(message),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
