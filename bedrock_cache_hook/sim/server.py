"""The loopback transport: a small threaded HTTP server in front of the engine.

Works with any client that can point at an endpoint: ``endpoint_url=server.url`` or the
``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` environment variable. It sends exactly the engine's status,
headers and body (no ``Server`` header, the engine's virtual ``Date``): a plain body with
``Content-Length``, an event stream with ``Transfer-Encoding: chunked``, one HTTP chunk per
frame. A stream cut announces the chunk it is in, writes part of it and closes the connection,
so the client's HTTP layer raises ``IncompleteRead`` (urllib3: ``ProtocolError``).
Request logging is off: the server never prints anything about the requests it serves.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .._guard import text_free_traceback
from .engine import Engine, WireRequest
from .responses import WireResponse

__all__ = ["SimServer"]

logger = logging.getLogger("bedrock_cache_hook.sim")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine: Engine

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.engine.handle(WireRequest(self.command, self.path, headers, body))
        if response.first_byte_delay > 0:
            time.sleep(response.first_byte_delay)
        self.send_response_only(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.streaming:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not response.streaming:
            self.wfile.write(response.body)
            self.wfile.flush()
            return
        self._send_chunks(response)

    def _send_chunks(self, response: WireResponse) -> None:
        sent = 0
        for i, chunk in enumerate(response.chunks):
            if i and response.chunk_delay > 0:
                time.sleep(response.chunk_delay)
            self.wfile.write(b"%X\r\n" % len(chunk))
            if response.cut_at is not None and sent + len(chunk) > response.cut_at:
                self.wfile.write(chunk[: response.cut_at - sent])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(chunk + b"\r\n")
            self.wfile.flush()
            sent += len(chunk)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_POST = _serve
    do_GET = _serve
    do_PUT = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines name models and paths, and nobody asked for them."""


class _Server(ThreadingHTTPServer):
    """A client that resets or drops its connection is an ordinary event, not a crash: no
    traceback on stderr (socketserver's default); anything else is logged without text."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        if error is not None:
            logger.error(
                "the simulator's server failed on a connection (%s); traceback, message "
                "omitted:\n%s",
                type(error).__qualname__,
                text_free_traceback(error),
            )


class SimServer:
    """A running loopback server; ``close()`` (or leaving the ``with`` block) stops it."""

    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("SimHandler", (_Handler,), {"engine": engine})
        self._httpd = _Server((host, port), handler)
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bedrock-cache-hook-sim",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> SimServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SimServer {self.url}{' closed' if self._closed else ''}>"
