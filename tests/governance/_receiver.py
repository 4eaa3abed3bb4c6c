"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 in a background thread.

It responds to the first `fail_first` POST requests with `fail_status` (every request when
`fail_first` is None), then 200. With `delay_s` it waits that long before responding, which lets
a client with a shorter timeout give up.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class ReceivedRequest:
    """One request as the server read it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """Server settings and everything it received."""

    fail_first: int | None = 0
    fail_status: int = 500
    delay_s: float = 0.0
    requests: list[ReceivedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """URL to POST to, with a path and query like a real webhook's secret token."""
        assert self._server is not None, "use the receiver inside a with block"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/hooks/T0KEN-SECRET?sig=abc"

    def __enter__(self) -> Receiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval lets shutdown() return quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def respond(self, request: ReceivedRequest) -> int:
        """Record a request and return the status to respond with."""
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        failing = self.fail_first is None or number <= self.fail_first
        return self.fail_status if failing else 200


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (name fixed by http.server)
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            request = ReceivedRequest(self.path, dict(self.headers.items()), body)
            status = receiver.respond(request)
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                # The client timed out and closed the connection first.
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            # Keep the test output free of one access-log line per request.
            pass

    return Handler
