"""Request pieces for generated traces: tools, system prompts, turns, heavy-tailed gaps.

Requests are built as Converse kwargs; :func:`anthropic_body` renders the same prompt as an
InvokeModel Anthropic Messages body (a JSON object, as the trace format allows).
"""

from __future__ import annotations

import math
import random
from typing import Any

from .text import filler

__all__ = [
    "Json",
    "anthropic_body",
    "assistant",
    "converse",
    "filler",
    "gap",
    "log_uniform",
    "system",
    "tool_round",
    "tools",
    "user",
]

Json = dict[str, Any]


def log_uniform(rng: random.Random, low: float, high: float) -> int:
    """A size between ``low`` and ``high``, small values more likely (log-uniform)."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def gap(rng: random.Random, median: float, sigma: float = 1.0, cap: float | None = None) -> float:
    """A heavy-tailed pause: log-normal around ``median`` seconds, at most ``cap``."""
    value = median * math.exp(rng.gauss(0.0, sigma))
    return min(value, cap) if cap is not None else value


def tools(tokens: int, seed: str, count: int = 8) -> list[Json]:
    """``count`` tool specifications of about ``tokens`` tokens in all."""
    each = max(tokens // count - 40, 20)
    return [
        {
            "toolSpec": {
                "name": f"tool_{k}",
                "description": filler(each, f"{seed}/tool{k}"),
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
                        "required": ["query"],
                    }
                },
            }
        }
        for k in range(count)
    ]


def system(tokens: int, seed: str, prefix: str = "") -> list[Json]:
    return [{"text": prefix + filler(tokens, f"{seed}/system")}]


def user(tokens: int, seed: str) -> Json:
    return {"role": "user", "content": [{"text": filler(tokens, seed)}]}


def assistant(tokens: int, seed: str) -> Json:
    return {"role": "assistant", "content": [{"text": filler(tokens, seed)}]}


def tool_round(width: int, tokens: int, seed: str) -> list[Json]:
    """An assistant turn calling ``width`` tools and the user turn with their results."""
    ids = [f"{seed}-{k}".replace("/", "-") for k in range(width)]
    each = max(tokens // width, 10)
    calls = [
        {"toolUse": {"toolUseId": i, "name": f"tool_{k % 8}", "input": {"query": i}}}
        for k, i in enumerate(ids)
    ]
    results = [
        {"toolResult": {"toolUseId": i, "content": [{"text": filler(each, f"{seed}/r{k}")}]}}
        for k, i in enumerate(ids)
    ]
    return [{"role": "assistant", "content": calls}, {"role": "user", "content": results}]


def converse(
    model_id: str,
    system_blocks: list[Json],
    messages: list[Json],
    tool_specs: list[Json] | None = None,
) -> Json:
    kwargs: Json = {
        "modelId": model_id,
        "system": system_blocks,
        "messages": list(messages),
        "inferenceConfig": {"maxTokens": 256},
    }
    if tool_specs:
        kwargs["toolConfig"] = {"tools": tool_specs}
    return kwargs


def _anthropic_block(block: Json) -> Json:
    if "text" in block:
        return {"type": "text", "text": block["text"]}
    if "toolUse" in block:
        use = block["toolUse"]
        return {
            "type": "tool_use",
            "id": use["toolUseId"],
            "name": use["name"],
            "input": use["input"],
        }
    result = block["toolResult"]
    return {
        "type": "tool_result",
        "tool_use_id": result["toolUseId"],
        "content": [{"type": "text", "text": item["text"]} for item in result["content"]],
    }


def anthropic_body(kwargs: Json) -> Json:
    """The Converse kwargs' prompt as an InvokeModel Anthropic Messages body (a JSON object)."""
    body: Json = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": kwargs["inferenceConfig"]["maxTokens"],
        "system": [{"type": "text", "text": b["text"]} for b in kwargs["system"]],
        "messages": [
            {"role": m["role"], "content": [_anthropic_block(b) for b in m["content"]]}
            for m in kwargs["messages"]
        ],
    }
    specs = kwargs.get("toolConfig", {}).get("tools", [])
    if specs:
        body["tools"] = [
            {
                "name": s["toolSpec"]["name"],
                "description": s["toolSpec"]["description"],
                "input_schema": s["toolSpec"]["inputSchema"]["json"],
            }
            for s in specs
        ]
    return body
