"""InvokeModel bodies in each model's own format, plain and streamed.

* Anthropic Messages: ``usage`` with ``input_tokens`` (uncached), ``cache_creation_input_tokens``,
  ``cache_read_input_tokens``, ``cache_creation.{ephemeral_5m,ephemeral_1h}_input_tokens`` and
  ``output_tokens``. Streamed: ``message_start`` (input and cache usage, ``output_tokens: 1``),
  ``content_block_start``, one ``content_block_delta`` per piece, ``content_block_stop``,
  ``message_delta`` (stop reason, output usage), ``message_stop``.
* Nova: ``output.message``, ``stopReason``, ``usage`` with ``inputTokens`` (uncached),
  ``outputTokens``, ``totalTokens``, ``cacheReadInputTokenCount``, ``cacheWriteInputTokenCount``.
  Streamed: ``messageStart``, ``contentBlockDelta``..., ``contentBlockStop``, ``messageStop``,
  ``metadata`` (usage).
* Llama-style prompt body: ``generation``, ``prompt_token_count``, ``generation_token_count``,
  ``stop_reason``; streamed one piece per event, counts on the last.

Cache fields appear only for models that can cache. The caller (:mod:`.responses`) adds
``amazon-bedrock-invocationMetrics`` to the last streamed event.
"""

from __future__ import annotations

import re
from typing import Any

from .reply import Reply, stop_reason

__all__ = ["invocation_metrics", "native_body", "native_events"]


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
        "stop_reason": stop_reason(reply),
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


def native_body(reply: Reply) -> dict[str, Any]:
    if reply.dialect == "anthropic":
        return _anthropic_body(reply)
    if reply.dialect == "nova":
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
            "stopReason": stop_reason(reply),
            "usage": _nova_usage(reply),
        }
    return {
        "generation": reply.text,
        "prompt_token_count": reply.accounting.total,
        "generation_token_count": reply.output_tokens,
        "stop_reason": stop_reason(reply),
    }


def invocation_metrics(reply: Reply) -> dict[str, int]:
    acc = reply.accounting
    return {
        "inputTokenCount": acc.uncached,
        "outputTokenCount": reply.output_tokens,
        "invocationLatency": reply.latency_ms,
        "firstByteLatency": reply.first_token_ms,
        "cacheReadInputTokenCount": acc.read,
        "cacheWriteInputTokenCount": acc.write,
    }


def native_events(reply: Reply) -> list[dict[str, Any]]:
    stop = stop_reason(reply)
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
