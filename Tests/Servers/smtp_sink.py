"""The SMTP sink of deploy/bench-delivery.sh (aiosmtpd, no AUTH, no TLS): accepts every recipient and every message
and discards it, so a benchmark measures the sender and the protocol, not a disk. Per sender (MAIL FROM) and
recipient count it keeps the first message in SAMPLE_DIR as `<sender>-<recipients>.eml` (as sent, dot-stuffed), so
the script can show that Herald and the Python peer sent messages of the same size to the same number of recipients.

DATA is read in large chunks up to the terminating `CRLF.CRLF` instead of aiosmtpd's line by line: its own loop (one
`readuntil` per line, with a stream limit of 1001 bytes that also pauses the socket every 2 KB) takes ~0.5 s of a
2-vCPU machine for a 1.8 MB message, which would make the sink, not the sender, what a benchmark measures.

Usage: smtp_sink.py PORT SAMPLE_DIR READY_FILE
"""
import asyncio
import os
import sys

from serving import ready_then_wait
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

TERMINATOR = b"\r\n.\r\n"


class FastDataSMTP(SMTP):
    async def smtp_DATA(self, arg):
        if await self.check_helo_needed():
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        # The reader's limit (private in asyncio) raised for DATA: a larger buffer, and no pause every 2 KB.
        limit, self._reader._limit = self._reader._limit, 1 << 20
        # DATA starts at the beginning of a line (an empty message is just ".\r\n"). A client waits for the reply
        # after the terminator (RFC 2920), so it ends what was read.
        data = bytearray(b"\r\n")
        try:
            while True:
                chunk = await self._reader.read(1 << 20)
                if not chunk:
                    return  # the connection closed during DATA
                start = max(0, len(data) - len(TERMINATOR))
                data += chunk
                if data.find(TERMINATOR, start) >= 0:
                    break
        finally:
            self._reader._limit = limit
        self.envelope.original_content = bytes(data[2:data.rfind(TERMINATOR)])
        self.envelope.content = self.envelope.original_content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)


class SinkController(Controller):
    def factory(self):
        return FastDataSMTP(self.handler, **self.SMTP_kwargs)


class Sink:
    def __init__(self, samples):
        self.samples = samples
        self.kept = set()

    async def handle_DATA(self, server, session, envelope):
        key = (envelope.mail_from, len(envelope.rcpt_tos))
        if key not in self.kept:
            self.kept.add(key)
            name = f"{envelope.mail_from.replace('/', '_')}-{len(envelope.rcpt_tos)}.eml"
            with open(os.path.join(self.samples, name), "wb") as f:
                f.write(envelope.original_content)
        return "250 OK discarded"


def main():
    port, samples, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.makedirs(samples, exist_ok=True)
    # The size limit well above a 1 MB attachment in base64; `hostname` given so no reverse lookup is made.
    controller = SinkController(Sink(samples), hostname="127.0.0.1", port=port, server_hostname="sink.bench.test",
                            data_size_limit=64 * 1024 * 1024)
    controller.start()
    try:
        ready_then_wait(ready)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
