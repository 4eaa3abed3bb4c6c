"""A fake OpenAI-compatible (and Anthropic Messages) HTTP server on 127.0.0.1 for the tests.

It speaks the real wire protocol, so the tests drive it through the official SDKs. Each request
is answered by a `Responder`: a function of the parsed JSON body and the request headers that
returns a `FakeResponse` (status, JSON body, headers and an optional delay before answering).
Every request is recorded in `FakeProvider.requests`.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeResponse:
    """What the server sends back for one request."""

    body: dict[str, Any] | str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class RecordedRequest:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = field(default_factory=time.monotonic)


Responder = Callable[[RecordedRequest], FakeResponse]


class FakeProvider:
    """The server, its base URL and the requests it received."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """URL with the /v1 prefix, as the OpenAI SDK expects it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def root_url(self) -> str:
        """URL without a path, as the Anthropic SDK expects it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def record(self, request: RecordedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return len(self.requests) - 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server hook name)
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = RecordedRequest(self.path, dict(self.headers.items()), body)
            provider.record(request)
            response = provider.responder(request)
            if response.delay_s:
                time.sleep(response.delay_s)
            payload = (
                response.body.encode()
                if isinstance(response.body, str)
                else json.dumps(response.body).encode()
            )
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def running(responder: Responder) -> Iterator[FakeProvider]:
    """Start a fake provider for the block."""
    provider = FakeProvider(responder)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def completion(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    *,
    finish_reason: str | None = None,
    refusal: str | None = None,
    model: str = "fake-model",
) -> dict[str, Any]:
    """A Chat Completions response body with one choice."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    if tool_calls:
        message["tool_calls"] = tool_calls
    reason = finish_reason or ("tool_calls" if tool_calls else "stop")
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reason}],
    }


def tool_call(name: str, arguments: Any, call_id: str | None = "auto") -> dict[str, Any]:
    """One tool call of a completion; `arguments` that is not a string is sent as JSON text."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": text}}
    if call_id is not None:
        call["id"] = f"call_{name}_{zlib.crc32(text.encode())}" if call_id == "auto" else call_id
    return call


def assistant_turns(request: RecordedRequest) -> int:
    """Assistant messages in the request: how many replies this sample has had."""
    return sum(1 for m in request.body.get("messages", []) if m.get("role") == "assistant")


class Sequence:
    """Answers the n-th call of a sample (n assistant messages so far) with `replies[n]`.

    A reply may be a completion body or a whole `FakeResponse`; once they run out, a final
    text completion follows.
    """

    def __init__(self, replies: list[dict[str, Any] | FakeResponse]) -> None:
        self.replies = replies

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        position = assistant_turns(request)
        if position >= len(self.replies):
            return FakeResponse(completion("All done."))
        reply = self.replies[position]
        return reply if isinstance(reply, FakeResponse) else FakeResponse(reply)


class Failing:
    """Answers the first `failures` requests with `failure`, then delegates to `then`."""

    def __init__(self, failure: FakeResponse, failures: int, then: Responder) -> None:
        self.failure = failure
        self.failures = failures
        self.then = then
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        with self._lock:
            self.count += 1
            failing = self.count <= self.failures
        return self.failure if failing else self.then(request)


def error_body(kind: str) -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": "fake failure", "type": kind, "code": kind}}
