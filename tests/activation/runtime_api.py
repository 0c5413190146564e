"""A small AWS Lambda Runtime API on 127.0.0.1, enough for the real runtime interface client.

Serves ``GET /2018-06-01/runtime/invocation/next`` from a fixed list of events (then holds
the request until closed), and records what the runtime posts to ``.../{id}/response``,
``.../{id}/error`` and ``/2018-06-01/runtime/init/error``. Every wait is bounded.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
#: how long a "next" request with no event left is held before a 500 (the test kills the
#: runtime long before)
HOLD_SECONDS = 20.0


@dataclass(frozen=True)
class Posted:
    """What the runtime sent for one invocation (or for init)."""

    kind: str  # "response" | "error" | "init-error"
    request_id: str
    body: Any
    error_type: str | None


class RuntimeApi:
    def __init__(self, events: list[dict[str, Any]]) -> None:
        self._events = [(str(uuid.uuid4()), event) for event in events]
        self.request_ids = [request_id for request_id, _ in self._events]
        self._next = 0
        self._posted: list[Posted] = []
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def posted(self) -> list[Posted]:
        with self._changed:
            return list(self._posted)

    def wait_for(self, count: int, timeout: float) -> list[Posted]:
        """Wait until ``count`` posts arrived (or an init error); returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._posted) < count and not any(
                p.kind == "init-error" for p in self._posted
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self._posted)

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _take_event(self) -> tuple[str, dict[str, Any]] | None:
        with self._changed:
            if self._next >= len(self._events):
                return None
            self._next += 1
            return self._events[self._next - 1]

    def _post(self, posted: Posted) -> None:
        with self._changed:
            self._posted.append(posted)
            self._changed.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def _reply(
                self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw) if raw else None
                except ValueError:
                    return raw.decode(errors="replace")

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(404)
                    return
                taken = api._take_event()
                if taken is None:
                    api._closing.wait(HOLD_SECONDS)
                    self._reply(500, b'{"errorMessage": "no more events"}')
                    return
                request_id, event = taken
                deadline = int(time.time() * 1000) + 30_000
                self._reply(
                    200,
                    json.dumps(event).encode(),
                    {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            "arn:aws:lambda:us-east-1:123456789012:function:cache-demo"
                        ),
                        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
                    },
                )

            def do_POST(self) -> None:
                body = self._body()
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if self.path == f"{PREFIX}/init/error":
                    api._post(Posted("init-error", "", body, error_type))
                    self._reply(202)
                    return
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if (
                    len(parts) == 3
                    and parts[0] == "invocation"
                    and parts[2] in ("response", "error")
                ):
                    api._post(Posted(parts[2], parts[1], body, error_type))
                    self._reply(202)
                    return
                self._reply(404)

        return Handler
