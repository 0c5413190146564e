"""The in-process transport: a ``before-send`` responder on a real botocore client.

botocore builds, validates, serializes and signs the request as it would for AWS; the
responder hands the prepared request to :meth:`Engine.handle` and returns an ``AWSResponse``
over a real urllib3 ``HTTPResponse`` carrying the engine's bytes, with the framing headers the
loopback server sends (``Content-Length``, or ``Transfer-Encoding: chunked`` for event
streams). A stream cut (``cut_at``) raises ``http.client.IncompleteRead`` from the body part
way, which urllib3 turns into ``ProtocolError``: what a chunked response whose server drops the
connection produces over a socket.
"""

from __future__ import annotations

import http.client
import io
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse
from urllib3.response import HTTPResponse

from .engine import Engine, WireRequest
from .responses import WireResponse

__all__ = ["attach", "detach", "to_aws_response", "to_wire_request"]

_EVENT = "before-send.bedrock-runtime"


class _PacedBody(io.RawIOBase):
    """The body bytes, one engine chunk per read, optionally paced, ending at ``cut_at``."""

    def __init__(self, response: WireResponse) -> None:
        super().__init__()
        limit = response.cut_at
        self._chunks: list[bytes] = []
        self._missing = 0
        sent = 0
        for chunk in response.chunks:
            if limit is not None and sent + len(chunk) > limit:
                self._chunks.append(chunk[: limit - sent])
                self._missing = len(response.body) - limit
                break
            self._chunks.append(chunk)
            sent += len(chunk)
        self._delay = response.chunk_delay
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending and self._chunks:
            if self._started and self._delay > 0:
                time.sleep(self._delay)
            self._pending = self._chunks.pop(0)
            self._started = True
        if not self._pending and self._missing:
            raise http.client.IncompleteRead(b"", self._missing)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    start = body.tell() if hasattr(body, "tell") else None
    data = body.read()
    if start is not None and hasattr(body, "seek"):
        body.seek(start)
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def to_wire_request(request: Any) -> WireRequest:
    """The engine's view of a botocore ``AWSPreparedRequest``."""
    url = urlsplit(request.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    headers: Mapping[str, Any] = request.headers
    lowered = {str(name).lower(): _text(value) for name, value in headers.items()}
    lowered.setdefault("host", url.netloc)  # what an HTTP client sends (and SigV4 signs)
    return WireRequest(request.method, path, lowered, _body_bytes(request.body))


def to_aws_response(url: str, response: WireResponse) -> AWSResponse:
    headers = dict(response.headers)
    if response.streaming:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(len(response.body))
    raw = HTTPResponse(
        body=_PacedBody(response),
        headers=headers,
        status=response.status,
        preload_content=False,
        decode_content=False,
        enforce_content_length=True,
    )
    return AWSResponse(url, response.status, headers, raw)


def _unique_id(engine: Engine) -> str:
    return f"bedrock-cache-hook.sim.{id(engine)}"


def attach(engine: Engine, client: Any) -> Any:
    """Answer every request of ``client`` from ``engine``; returns ``client``."""

    def respond(request: Any, **_: Any) -> AWSResponse:
        response = engine.handle(to_wire_request(request))
        if response.first_byte_delay > 0:
            time.sleep(response.first_byte_delay)
        return to_aws_response(request.url, response)

    client.meta.events.register(_EVENT, respond, unique_id=_unique_id(engine))
    return client


def detach(engine: Engine, client: Any) -> None:
    client.meta.events.unregister(_EVENT, unique_id=_unique_id(engine))
