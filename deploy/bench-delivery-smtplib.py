"""The Python peer of deploy/bench-delivery.sh: sends COUNT report emails with smtplib to the sink, each built with
the standard `email` package the way Herald's is (From/To/Subject/Date/Message-ID, a text and an HTML part in
multipart/alternative, the file attached in base64 under multipart/mixed), to RECIPIENTS recipients in one envelope.
`per-message` opens a connection per message (as Herald does: each delivery is its own job); `one-connection` sends
all of them over one (the best smtplib can do). Prints one JSON line: count, seconds, bytes of the last message.

Usage: bench-delivery-smtplib.py HOST PORT COUNT RECIPIENTS FILE per-message|one-connection
"""
import json
import smtplib
import sys
import time
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

TEXT = "Bench report for 2026-12-03 is attached.\n\nRows: 20\n"
HTML = "<html><body><p>Bench report for 2026-12-03 is attached.</p><p>Rows: 20</p></body></html>\n"


def message(recipients, path):
    msg = EmailMessage(policy=SMTP)  # CRLF line ends, as SMTP wants them
    msg["From"] = "Python peer <python@bench.test>"
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = "Bench report for 2026-12-03"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex, domain="bench.test")
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    with open(path, "rb") as f:
        msg.add_attachment(f.read(), maintype="text", subtype="csv", filename="Bench report_2026-12-03_070000.csv")
    return msg


def main():
    host, port, count, n, path, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
    recipients = [f"python{i}@bench.test" for i in range(n)]
    size = 0
    started = time.perf_counter()
    if mode == "one-connection":
        with smtplib.SMTP(host, port, local_hostname="peer.bench.test") as smtp:
            for _ in range(count):
                raw = message(recipients, path).as_bytes()
                size = len(raw)
                smtp.sendmail("python@bench.test", recipients, raw)
    else:
        for _ in range(count):
            raw = message(recipients, path).as_bytes()
            size = len(raw)
            with smtplib.SMTP(host, port, local_hostname="peer.bench.test") as smtp:
                smtp.sendmail("python@bench.test", recipients, raw)
    seconds = time.perf_counter() - started
    print(json.dumps({"count": count, "seconds": seconds, "bytes": size}))


if __name__ == "__main__":
    main()
