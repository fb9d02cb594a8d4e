"""The test SMTP servers that deploy/lib.sh's start_delivery_servers runs (aiosmtpd): a plain one without AUTH,
one that requires STARTTLS and then AUTH PLAIN or LOGIN as `herald` with the password in HERALD_TEST_SMTP_PASSWORD,
and, when HERALD_TEST_SMTPS_PORT is set, one speaking implicit TLS (SMTPS) from the first byte, without AUTH.

Every accepted message lands in MAILDIR as `<n>.eml` (the bytes as received) and then `<n>.json` (envelope and which
server took it), the .json written last and renamed into place, so that a test waiting for it reads a whole message.
A recipient whose local part starts with `reject` is refused with 550, so tests can see a per-recipient failure; one
starting with `tempfail` gets 451 (try later); one starting with `greylist` gets 451 the first time only (greylisting);
a message with a recipient starting with `refusedata` is refused
after DATA with 554, so a whole transaction fails; and a sender whose local part starts with `oneperconnection` may
send one message per connection (the next MAIL FROM on it gets 421 and the connection is closed), as servers with a
per-connection limit do. Each stored message says which connection brought it (`connection`, numbered in order).

Usage: smtp_server.py PLAIN_PORT STARTTLS_PORT MAILDIR CERT KEY READY_FILE
"""
import asyncio
import json
import os
import ssl
import sys
import threading

from serving import ready_then_wait
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = b"herald"


class Maildir:
    """Numbers messages across both servers (each runs its own event loop thread)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.count = 0
        self.connections = 0
        self.seen = set()

    def connection_number(self, session):
        """The connection's number, given at its first message."""
        with self.lock:
            if not hasattr(session, "herald_connection"):
                self.connections += 1
                session.herald_connection = self.connections
                session.herald_messages = 0
        return session.herald_connection

    def first_sight(self, address):
        """Greylisting: an address is refused (451) the first time it is seen, accepted after that."""
        with self.lock:
            seen = address in self.seen
            self.seen.add(address)
        return not seen

    def store(self, raw, envelope, server, connection):
        with self.lock:
            self.count += 1
            n = self.count
        with open(os.path.join(self.path, f"{n}.eml"), "wb") as f:
            f.write(raw)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "server": server, "connection": connection}
        partial = os.path.join(self.path, f".{n}.json.partial")
        with open(partial, "w") as f:
            json.dump(meta, f)
        os.rename(partial, os.path.join(self.path, f"{n}.json"))


class Handler:
    def __init__(self, maildir, server):
        self.maildir = maildir
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.split("@", 1)[0].lower().startswith("oneperconnection") and getattr(session, "herald_messages", 0) >= 1:
            # Closed once the reply is written (close() flushes what is buffered).
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 one message per connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        if local.startswith("greylist") and self.maildir.first_sight(address.lower()):
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(address.split("@", 1)[0].lower().startswith("refusedata") for address in envelope.rcpt_tos):
            return "554 5.6.0 message refused"
        connection = self.maildir.connection_number(session)
        session.herald_messages += 1
        self.maildir.store(envelope.original_content, envelope, self.server, connection)
        return "250 OK"


def authenticator(password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == password
        return AuthResult(success=ok, handled=False)
    return check


def main():
    plain_port, starttls_port, maildir_path, cert, key, ready_file = sys.argv[1:7]
    password = os.environ["HERALD_TEST_SMTP_PASSWORD"].encode()
    maildir = Maildir(maildir_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    plain = Controller(Handler(maildir, "plain"), hostname="127.0.0.1", port=int(plain_port))
    secure = Controller(Handler(maildir, "starttls"), hostname="127.0.0.1", port=int(starttls_port),
                        tls_context=tls, require_starttls=True, auth_required=True, auth_require_tls=True,
                        authenticator=authenticator(password))
    servers = [plain, secure]
    if os.environ.get("HERALD_TEST_SMTPS_PORT"):
        smtps_port = int(os.environ["HERALD_TEST_SMTPS_PORT"])
        servers.append(Controller(Handler(maildir, "smtps"), hostname="127.0.0.1", port=smtps_port, ssl_context=tls))
    for server in servers:
        server.start()
    ready_then_wait(ready_file)
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
