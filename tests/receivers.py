"""A real HTTP receiver on 127.0.0.1 for the integrations' tests: it records what it is sent
and answers as told (a status, a hang, 10 MB, a closed connection)."""

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# This helper's own range of ports (tests run beside other services on one machine).
PORTS = range(18400, 18500)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """``plan``: what to answer, request by request (the last one repeats): an HTTP status,
    "hang" (say nothing for ``hang_seconds``), "big" (10 MB), or "close" (hang up)."""

    plan: list = field(default_factory=lambda: [200])
    hang_seconds: float = 10.0
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer_for(self, index: int):
        return self.plan[min(index, len(self.plan) - 1)]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            index = len(receiver.received)
            receiver.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            answer = receiver.answer_for(index)
            if answer == "hang":
                time.sleep(receiver.hang_seconds)
                return
            if answer == "close":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if answer == "big":
                self.send_response(200)
                self.send_header("Content-Length", str(10 * 1024 * 1024))
                self.end_headers()
                with contextlib.suppress(OSError):
                    chunk = b"x" * (1024 * 1024)
                    for _ in range(10):
                        self.wfile.write(chunk)
                return
            payload = b'{"ok": true}' if answer < 400 else b"receiver says no"
            self.send_response(answer)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def receiving(**kwargs):
    receiver = Receiver(**kwargs)
    server = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), _handler(receiver))
        except OSError:
            continue
        break
    assert server is not None, "no free port in 18400-18499"
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
