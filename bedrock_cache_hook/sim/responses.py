"""Build the response bytes Bedrock sends, from one computed :class:`~.reply.Reply`.

* Converse: JSON with ``output``, ``stopReason``, ``usage`` and ``metrics.latencyMs``.
  ``usage.inputTokens`` is the uncached input; ``cacheReadInputTokens`` /
  ``cacheWriteInputTokens`` are present whenever the model can cache; ``cacheDetails``
  (``[{ttl, inputTokens}]``, 1h first) only when something was written. A botocore too old to
  know ``cacheDetails`` drops it while parsing.
* ConverseStream: event-stream frames ``messageStart``, ``contentBlockDelta`` per piece,
  ``contentBlockStop``, ``messageStop``, ``metadata`` (``usage`` as above, ``metrics``).
* InvokeModel: the model's native body (:mod:`.native`: Anthropic Messages, Nova, Llama-style
  prompt) and the ``X-Amzn-Bedrock-*`` headers (``Input-Token-Count`` = uncached input; cache
  headers whenever the model can cache).
* InvokeModelWithResponseStream: ``chunk`` frames whose payload is ``{"bytes": base64(event)}``;
  Anthropic events ``message_start`` (input + cache usage), ``content_block_*``,
  ``message_delta`` (output usage), ``message_stop``; the last chunk also carries
  ``amazon-bedrock-invocationMetrics``.
* Messages API (``/anthropic/v1/messages``): the Anthropic message JSON (no ``X-Amzn-Bedrock-*``
  headers); streamed as Server-Sent Events (``event: <type>`` / ``data: <json>``), one HTTP
  chunk per event, the same events as InvokeModelWithResponseStream without the metrics.
* Errors: ``{"message": ...}`` with ``x-amzn-ErrorType: <Code>:<namespace>``; on the Messages
  API Anthropic's shape ``{"type": "error", "error": {"type", "message"}}`` (same header).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from .eventstream import CONTENT_TYPE as EVENT_STREAM
from .eventstream import encode_event, encode_exception
from .native import invocation_metrics, native_body, native_events
from .reply import Reply, stop_reason

__all__ = [
    "WireResponse",
    "error_response",
    "json_response",
    "reply_response",
    "stream_error_frame",
]

_JSON = "application/json"
_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"


@dataclass(frozen=True)
class WireResponse:
    """An HTTP response, transport-independent: both transports send exactly these bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]
    #: an event stream: sent with ``Transfer-Encoding: chunked``, one HTTP chunk per frame;
    #: otherwise with ``Content-Length``
    streaming: bool = False
    #: byte offset where the connection breaks (a stream cut); None = the whole body
    cut_at: int | None = None
    #: real seconds to wait before the first byte / between chunks (0 unless time_scale > 0)
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _base_headers(reply_date: str, request_id: str, content_type: str) -> list[tuple[str, str]]:
    return [("Date", reply_date), ("Content-Type", content_type), ("x-amzn-RequestId", request_id)]


_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    503: "overloaded_error",
}
_SSE = "text/event-stream"


def error_response(
    status: int, code: str, message: str, request_id: str, date: str, *, anthropic: bool = False
) -> WireResponse:
    headers = _base_headers(date, request_id, _JSON)
    headers.append(("x-amzn-ErrorType", f"{code}:{_ERROR_NAMESPACE}"))
    payload: dict[str, Any] = {"message": message}
    if anthropic:
        kind = _ANTHROPIC_ERRORS.get(status, "api_error")
        payload = {"type": "error", "error": {"type": kind, "message": message}}
    return WireResponse(status, tuple(headers), (_json(payload),))


def _sse(event: dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (str(event.get("type")).encode("ascii"), _json(event))


def json_response(payload: Any, request_id: str, date: str) -> WireResponse:
    """A plain 200 JSON answer (CountTokens)."""
    headers = _base_headers(date, request_id, _JSON)
    return WireResponse(200, tuple(headers), (_json(payload),))


def _converse_usage(reply: Reply) -> dict[str, Any]:
    acc = reply.accounting
    usage: dict[str, Any] = {
        "inputTokens": acc.uncached,
        "outputTokens": reply.output_tokens,
        "totalTokens": acc.total + reply.output_tokens,
    }
    if reply.can_cache:
        usage["cacheReadInputTokens"] = acc.read
        usage["cacheWriteInputTokens"] = acc.write
    details = [
        {"ttl": ttl, "inputTokens": tokens}
        for ttl, tokens in (("1h", acc.write_1h), ("5m", acc.write_5m))
        if tokens
    ]
    if details:
        usage["cacheDetails"] = details
    return usage


def _converse(reply: Reply) -> bytes:
    return _json(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
            "stopReason": stop_reason(reply),
            "usage": _converse_usage(reply),
            "metrics": {"latencyMs": reply.latency_ms},
        }
    )


def _converse_frames(reply: Reply) -> list[bytes]:
    frames = [encode_event("messageStart", {"role": "assistant"})]
    frames += [
        encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
        for piece in reply.pieces
    ]
    frames.append(encode_event("contentBlockStop", {"contentBlockIndex": 0}))
    frames.append(encode_event("messageStop", {"stopReason": stop_reason(reply)}))
    metadata = {"usage": _converse_usage(reply), "metrics": {"latencyMs": reply.latency_ms}}
    frames.append(encode_event("metadata", metadata))
    return frames


def _chunk(event: dict[str, Any]) -> bytes:
    return encode_event("chunk", {"bytes": base64.b64encode(_json(event)).decode("ascii")})


def _invoke_headers(reply: Reply) -> list[tuple[str, str]]:
    acc = reply.accounting
    headers = _base_headers(reply.date, reply.request_id, _JSON)
    headers += [
        ("X-Amzn-Bedrock-Invocation-Latency", str(reply.latency_ms)),
        ("X-Amzn-Bedrock-Output-Token-Count", str(reply.output_tokens)),
        ("X-Amzn-Bedrock-Input-Token-Count", str(acc.uncached)),
    ]
    if reply.can_cache:
        headers += [
            ("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", str(acc.read)),
            ("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", str(acc.write)),
        ]
    return headers


def reply_response(reply: Reply) -> tuple[tuple[tuple[str, str], ...], list[bytes]]:
    """``(headers, chunks)`` of a successful response; a stream has one chunk per frame."""
    op = reply.operation
    if op == "Converse":
        return tuple(_base_headers(reply.date, reply.request_id, _JSON)), [_converse(reply)]
    if op == "ConverseStream":
        headers = _base_headers(reply.date, reply.request_id, EVENT_STREAM)
        return tuple(headers), _converse_frames(reply)
    if op == "InvokeModel":
        return tuple(_invoke_headers(reply)), [_json(native_body(reply))]
    if op == "Messages":
        headers = _base_headers(reply.date, reply.request_id, _JSON)
        return tuple(headers), [_json(native_body(reply))]
    if op == "MessagesStream":
        headers = _base_headers(reply.date, reply.request_id, _SSE)
        return tuple(headers), [_sse(event) for event in native_events(reply)]
    events = native_events(reply)
    events[-1] = {**events[-1], "amazon-bedrock-invocationMetrics": invocation_metrics(reply)}
    headers = _base_headers(reply.date, reply.request_id, EVENT_STREAM)
    headers.append(("X-Amzn-Bedrock-Content-Type", _JSON))
    return tuple(headers), [_chunk(event) for event in events]


def stream_error_frame(message: str, *, sse: bool = False) -> bytes:
    """The modelled exception frame a stream ends with when the service fails mid-way."""
    if sse:
        return _sse({"type": "error", "error": {"type": "api_error", "message": message}})
    return encode_exception("internalServerException", message)
