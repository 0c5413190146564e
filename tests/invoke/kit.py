"""Builders for the InvokeModel tests: Anthropic, Nova and Llama bodies, simulator clients."""

from __future__ import annotations

import json
from typing import Any

from bedrock_cache_hook.sim import Simulator
from tests.support import prose

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
LLAMA = "meta.llama3-3-70b-instruct-v1:0"
VERSION = "bedrock-2023-05-31"
EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}


def anthropic_tools(count: int = 12) -> list[dict[str, Any]]:
    return [
        {
            "name": f"tool_{i}",
            "description": prose(90, seed=i),
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
        for i in range(count)
    ]


def anthropic_body(
    *, system_words: int = 2400, tools: int = 12, turns: int = 6, **fields: Any
) -> dict[str, Any]:
    """A Claude body: plain-string system (>= 2,000 tokens), tools, string message content."""
    body: dict[str, Any] = {
        "anthropic_version": VERSION,
        "max_tokens": 256,
        "system": prose(system_words),
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}: {prose(25, i)}"}
            for i in range(turns)
        ],
    }
    if tools:
        body["tools"] = anthropic_tools(tools)
    body.update(fields)
    return body


def nova_body(*, system_words: int = 1500, turns: int = 3) -> dict[str, Any]:
    return {
        "schemaVersion": "messages-v1",
        "system": [{"text": prose(system_words)}],
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": "lookup",
                        "description": prose(200),
                        "inputSchema": {"json": {"type": "object"}},
                    }
                }
            ]
        },
        "messages": [
            {
                "role": "user" if i % 2 == 0 else "assistant",
                "content": [{"text": f"turn {i}: {prose(20, i)}"}],
            }
            for i in range(turns)
        ],
        "inferenceConfig": {"maxTokens": 100},
    }


def llama_body() -> bytes:
    # deliberately spaced JSON: any re-serialization would show
    return json.dumps({"prompt": prose(3000), "max_gen_len": 50}, indent=2).encode()


def sim_client() -> tuple[Simulator, Any]:
    sim = Simulator()
    return sim, sim.client()


def capture_wire(client: Any) -> list[Any]:
    """The prepared HTTP requests, captured in ``before-send`` (what goes on the wire)."""
    sent: list[Any] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append(request)

    client.meta.events.register_first("before-send.bedrock-runtime", capture)
    return sent


def wire_json(request: Any) -> Any:
    body = request.body
    assert int(request.headers["Content-Length"]) == len(body)
    return json.loads(body)


def cache_controls(body: Any) -> list[str]:
    """Locations of ``cache_control`` keys in an Anthropic body (top level included)."""
    found = ["cache_control"] if "cache_control" in body else []
    for i, tool in enumerate(body.get("tools", [])):
        if "cache_control" in tool:
            found.append(f"tools[{i}]")
    system = body.get("system")
    if isinstance(system, list):
        found += [f"system[{i}]" for i, b in enumerate(system) if "cache_control" in b]
    for m, message in enumerate(body.get("messages", [])):
        content = message["content"]
        if isinstance(content, list):
            found += [
                f"messages[{m}].content[{c}]"
                for c, b in enumerate(content)
                if isinstance(b, dict) and "cache_control" in b
            ]
    return found
