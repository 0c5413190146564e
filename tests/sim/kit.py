"""Helpers for the simulator tests: model ids, exact-size texts, request builders.

Expected token numbers are always computed from the simulator's own tokenizer
(``count_text`` / ``count_json`` / ``MESSAGE_OVERHEAD``), never written down by hand.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.config import Config

from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.models import resolve_model
from bedrock_cache_hook.sim.requests import MESSAGE_OVERHEAD
from bedrock_cache_hook.sim.tokenizer import count_json, count_text

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})

SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"  # 1,024 min, 5m + 1h
SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"  # 1,024 min, 5m only
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"  # 4,096 min
HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"  # 2,048 min
CLAUDE_3_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"  # Claude without caching
NOVA_PRO = "amazon.nova-pro-v1:0"  # 1,000 min, no tool markers, no lookback
LLAMA = "meta.llama3-3-70b-instruct-v1:0"  # no caching

POINT: dict[str, Any] = {"cachePoint": {"type": "default"}}
POINT_1H: dict[str, Any] = {"cachePoint": {"type": "default", "ttl": "1h"}}
EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}


def words(tokens: int, word: str = "cache") -> str:
    """Text of exactly ``tokens`` tokens under the simulator's rule (``word`` <= 6 letters)."""
    text = " ".join([word] * tokens)
    assert count_text(text) == tokens
    return text


def text(tokens: int, word: str = "cache") -> dict[str, Any]:
    return {"text": words(tokens, word)}


def user(*content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(content)}


def assistant(*content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(content)}


def msg_tokens(first: str, *rest: str) -> int:
    """Tokens of one message made of text blocks: the role framing rides on its first block."""
    return MESSAGE_OVERHEAD + count_text(first) + sum(count_text(t) for t in rest)


def tool(name: str = "lookup", description: str = "Look a thing up.") -> dict[str, Any]:
    return {
        "toolSpec": {
            "name": name,
            "description": description,
            "inputSchema": {"json": {"type": "object", "properties": {"q": {"type": "string"}}}},
        }
    }


def tool_tokens(spec: dict[str, Any]) -> int:
    return count_json(spec)


def tool_prompt(model_id: str = SONNET_45) -> int:
    """The tool-use system prompt the simulated service adds in front of tools for a model."""
    return resolve_model(model_id).spec.tool_prompt_tokens


def converse(model_id: str = SONNET_45, **fields: Any) -> dict[str, Any]:
    fields.setdefault("messages", [user({"text": "What now?"})])
    return {"modelId": model_id, **fields}


def anthropic_body(**fields: Any) -> str:
    body: dict[str, Any] = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200}
    body.update(fields)
    return json.dumps(body)


def new(**kwargs: Any) -> tuple[Simulator, Any]:
    """A fresh simulator and an in-process boto3 client on it (no retries)."""
    sim = Simulator(**kwargs)
    return sim, sim.client(config=NO_RETRY)


def usage_of(response: dict[str, Any]) -> tuple[int, int, int]:
    """``(uncached, read, write)`` of a Converse response."""
    usage = response["usage"]
    return usage["inputTokens"], usage["cacheReadInputTokens"], usage["cacheWriteInputTokens"]
