"""Build the response bytes Bedrock sends, from one computed :class:`Reply`.

* Converse: JSON with ``output``, ``stopReason``, ``usage`` and ``metrics.latencyMs``.
  ``usage.inputTokens`` is the uncached input; ``cacheReadInputTokens`` /
  ``cacheWriteInputTokens`` are present whenever the model can cache; ``cacheDetails``
  (``[{ttl, inputTokens}]``, 1h first) only when something was written. A botocore too old to
  know ``cacheDetails`` drops it while parsing.
* ConverseStream: event-stream frames ``messageStart``, ``contentBlockDelta`` per piece,
  ``contentBlockStop``, ``messageStop``, ``metadata`` (``usage`` as above, ``metrics``).
* InvokeModel: the model's native body (Anthropic Messages, Nova, or Llama-style prompt) and the
  ``X-Amzn-Bedrock-*`` headers (``Input-Token-Count`` = uncached input; cache headers whenever
  the model can cache).
* InvokeModelWithResponseStream: ``chunk`` frames whose payload is ``{"bytes": base64(event)}``;
  Anthropic events ``message_start`` (input + cache usage), ``content_block_*``,
  ``message_delta`` (output usage), ``message_stop``; the last chunk also carries
  ``amazon-bedrock-invocationMetrics``.
* Errors: ``{"message": ...}`` with ``x-amzn-ErrorType: <Code>:<namespace>``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from .cache import Accounting
from .eventstream import CONTENT_TYPE as EVENT_STREAM
from .eventstream import encode_event, encode_exception

__all__ = ["Reply", "WireResponse", "error_response", "reply_response"]

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


@dataclass(frozen=True)
class Reply:
    """Everything a successful response is made of."""

    operation: str
    dialect: str
    base_id: str
    request_id: str
    date: str
    can_cache: bool
    accounting: Accounting
    pieces: tuple[str, ...]
    output_tokens: int
    truncated: bool
    first_token_ms: int
    latency_ms: int

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _base_headers(reply_date: str, request_id: str, content_type: str) -> list[tuple[str, str]]:
    return [("Date", reply_date), ("Content-Type", content_type), ("x-amzn-RequestId", request_id)]


def error_response(
    status: int, code: str, message: str, request_id: str, date: str
) -> WireResponse:
    headers = _base_headers(date, request_id, _JSON)
    headers.append(("x-amzn-ErrorType", f"{code}:{_ERROR_NAMESPACE}"))
    return WireResponse(status, tuple(headers), (_json({"message": message}),))


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


def _stop(reply: Reply) -> str:
    if reply.dialect == "prompt":
        return "length" if reply.truncated else "stop"
    return "max_tokens" if reply.truncated else "end_turn"


def _converse(reply: Reply) -> bytes:
    return _json(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
            "stopReason": _stop(reply),
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
    frames.append(encode_event("messageStop", {"stopReason": _stop(reply)}))
    metadata = {"usage": _converse_usage(reply), "metrics": {"latencyMs": reply.latency_ms}}
    frames.append(encode_event("metadata", metadata))
    return frames


def _claude_name(base_id: str) -> str:
    return re.sub(r"-v\d+(:\d+)?$", "", base_id.removeprefix("anthropic."))


def _anthropic_usage(reply: Reply, output_tokens: int) -> dict[str, Any]:
    acc = reply.accounting
    usage: dict[str, Any] = {"input_tokens": acc.uncached}
    if reply.can_cache:
        usage["cache_creation_input_tokens"] = acc.write
        usage["cache_read_input_tokens"] = acc.read
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": acc.write_5m,
            "ephemeral_1h_input_tokens": acc.write_1h,
        }
    usage["output_tokens"] = output_tokens
    return usage


def _message_id(reply: Reply) -> str:
    return "msg_bdrk_" + reply.request_id.replace("-", "")[:24]


def _anthropic_body(reply: Reply) -> dict[str, Any]:
    return {
        "id": _message_id(reply),
        "type": "message",
        "role": "assistant",
        "model": _claude_name(reply.base_id),
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": _stop(reply),
        "stop_sequence": None,
        "usage": _anthropic_usage(reply, reply.output_tokens),
    }


def _nova_usage(reply: Reply) -> dict[str, Any]:
    acc = reply.accounting
    usage: dict[str, Any] = {
        "inputTokens": acc.uncached,
        "outputTokens": reply.output_tokens,
        "totalTokens": acc.total + reply.output_tokens,
    }
    if reply.can_cache:
        usage["cacheReadInputTokenCount"] = acc.read
        usage["cacheWriteInputTokenCount"] = acc.write
    return usage


def _native_body(reply: Reply) -> dict[str, Any]:
    if reply.dialect == "anthropic":
        return _anthropic_body(reply)
    if reply.dialect == "nova":
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
            "stopReason": _stop(reply),
            "usage": _nova_usage(reply),
        }
    return {
        "generation": reply.text,
        "prompt_token_count": reply.accounting.total,
        "generation_token_count": reply.output_tokens,
        "stop_reason": _stop(reply),
    }


def _invocation_metrics(reply: Reply) -> dict[str, int]:
    acc = reply.accounting
    return {
        "inputTokenCount": acc.uncached,
        "outputTokenCount": reply.output_tokens,
        "invocationLatency": reply.latency_ms,
        "firstByteLatency": reply.first_token_ms,
        "cacheReadInputTokenCount": acc.read,
        "cacheWriteInputTokenCount": acc.write,
    }


def _native_events(reply: Reply) -> list[dict[str, Any]]:
    stop = _stop(reply)
    if reply.dialect == "anthropic":
        start = {**_anthropic_body(reply), "content": [], "stop_reason": None}
        start["usage"] = _anthropic_usage(reply, 1)
        return [
            {"type": "message_start", "message": start},
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            *(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": p},
                }
                for p in reply.pieces
            ),
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
            {"type": "message_stop"},
        ]
    if reply.dialect == "nova":
        return [
            {"messageStart": {"role": "assistant"}},
            *(
                {"contentBlockDelta": {"delta": {"text": p}, "contentBlockIndex": 0}}
                for p in reply.pieces
            ),
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": stop}},
            {"metadata": {"usage": _nova_usage(reply), "metrics": {}, "trace": {}}},
        ]
    events: list[dict[str, Any]] = [
        {
            "generation": p,
            "prompt_token_count": None,
            "generation_token_count": i + 1,
            "stop_reason": None,
        }
        for i, p in enumerate(reply.pieces)
    ]
    events.append(
        {
            "generation": "",
            "prompt_token_count": reply.accounting.total,
            "generation_token_count": reply.output_tokens,
            "stop_reason": stop,
        }
    )
    return events


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
        return tuple(_invoke_headers(reply)), [_json(_native_body(reply))]
    events = _native_events(reply)
    events[-1] = {**events[-1], "amazon-bedrock-invocationMetrics": _invocation_metrics(reply)}
    headers = _base_headers(reply.date, reply.request_id, EVENT_STREAM)
    headers.append(("X-Amzn-Bedrock-Content-Type", _JSON))
    return tuple(headers), [_chunk(event) for event in events]


def stream_error_frame(message: str) -> bytes:
    """The modelled exception frame a stream ends with when the service fails mid-way."""
    return encode_exception("internalServerException", message)
