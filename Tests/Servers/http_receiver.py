"""The test HTTP receiver that deploy/lib.sh's start_delivery_servers runs, standing in for webhook endpoints and Azure
Blob Storage's SAS PUTs. It records every request outside /_control/ and answers it from a script:

  POST /_control/script    {"path": "/hook/a", "responses": [{"status": 500}, {"status": 429, "headers":
                            {"Retry-After": "2"}}, {"status": 200, "body": "ok", "delay": 0.5}]}
                           answers requests to exactly that path in order, the last one repeated; "delay" (seconds)
                           holds the answer back, for timeout tests. Unscripted paths get 200 "ok" (201 for PUT).
  GET  /_control/requests?path=/hook    the recorded requests whose path (with query) starts with that, oldest first:
                           [{"method", "path", "headers": {lower-case name: value}, "body" (base64), "time" (epoch s)}]
  POST /_control/reset     forgets scripts and recorded requests.

Usage: http_receiver.py PORT READY_FILE
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.scripts = {}

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)

    def matching(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def script(self, path, responses):
        with self.lock:
            self.scripts[path] = list(responses)

    def next_response(self, path, method):
        with self.lock:
            queue = self.scripts.get(path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return {"status": 201, "body": ""} if method == "PUT" else {"status": 200, "body": "ok"}

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.scripts.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and `Expect: 100-continue` answered as curl expects
    recorder = None

    def do_request(self):
        body = self.read_body()
        if self.path.startswith("/_control/"):
            return self.control(body)
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self.recorder.record({"method": self.command, "path": self.path, "headers": headers,
                              "body": base64.b64encode(body).decode(), "time": time.time()})
        response = self.recorder.next_response(urlsplit(self.path).path, self.command)
        if response.get("delay"):
            time.sleep(float(response["delay"]))
        self.answer(int(response.get("status", 200)), response.get("body", "").encode(), response.get("headers", {}))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_request

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

    def control(self, body):
        url = urlsplit(self.path)
        if self.command == "POST" and url.path == "/_control/script":
            request = json.loads(body)
            self.recorder.script(request["path"], request["responses"])
            return self.answer(200, b"scripted\n")
        if self.command == "GET" and url.path == "/_control/requests":
            prefix = parse_qs(url.query).get("path", [""])[0]
            return self.answer(200, json.dumps(self.recorder.matching(prefix)).encode(),
                               {"Content-Type": "application/json"})
        if self.command == "POST" and url.path == "/_control/reset":
            self.recorder.reset()
            return self.answer(200, b"reset\n")
        self.answer(404, b"unknown control request\n")

    def answer(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        # Without the query: a SAS URL carries its signature there.
        self.log_message("%s %s %s", self.command, urlsplit(self.path).path, code)


def main():
    port, ready_file = sys.argv[1:3]
    Handler.recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    with open(ready_file, "w") as f:
        f.write("ready\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
