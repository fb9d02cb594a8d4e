"""The test FTP servers that deploy/lib.sh's start_delivery_servers runs (pyftpdlib, one process, one event loop):
plain FTP, explicit FTPS (AUTH TLS, then TLS required for login and data) and implicit FTPS (TLS from the first byte,
data channels too). One user, `herald`, with the password in HERALD_TEST_FTP_PASSWORD and every write permission
(upload, mkdir, rename, delete) in ROOT. Passive data ports are picked by the kernel on 127.0.0.1.

Usage: ftp_server.py FTP_PORT FTPS_PORT FTPS_IMPLICIT_PORT ROOT CERT KEY READY_FILE
"""
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

USER = "herald"
# e: cd, l: list, r: download, a: append, d: delete, f: rename, m: mkdir, w: upload, M: chmod, T: set mtime.
PERMISSIONS = "elradfmwMT"


class ExplicitTLSHandler(TLS_FTPHandler):
    tls_control_required = True
    tls_data_required = True


class ImplicitTLSHandler(TLS_FTPHandler):
    """Handshakes before the banner, as an `ftps://` client expects, and protects data channels from the start."""

    tls_control_required = True
    tls_data_required = True

    def handle(self):
        self._pbsz = True
        self._prot = True
        self.secure_connection(self.ssl_context)

    def handle_ssl_established(self):
        TLS_FTPHandler.handle(self)


def main():
    ftp_port, ftps_port, implicit_port, root, cert, key, ready_file = sys.argv[1:8]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, os.environ["HERALD_TEST_FTP_PASSWORD"], root, perm=PERMISSIONS)
    ioloop = IOLoop()
    servers = []
    for handler, port in ((FTPHandler, ftp_port), (ExplicitTLSHandler, ftps_port), (ImplicitTLSHandler, implicit_port)):
        handler.authorizer = authorizer
        handler.auth_failed_timeout = 0  # a refused login answers at once (tests of a wrong password stay fast)
        if handler is not FTPHandler:
            handler.certfile = cert
            handler.keyfile = key
        servers.append(FTPServer(("127.0.0.1", int(port)), handler, ioloop=ioloop))
    with open(ready_file, "w") as f:
        f.write("ready\n")
    # One loop serves every server registered on it; SIGTERM ends it (handle_exit).
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
