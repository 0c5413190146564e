"""Blocks remembered across calls are reused only while the element is provably unchanged."""

from __future__ import annotations

from typing import Any

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import converse

SPEC = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec


def _params(tool: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    return {
        "toolConfig": {"tools": [tool]},
        "system": [{"text": "system prompt"}],
        "messages": [{"role": "user", "content": [result]}],
    }


def _digests(params: dict[str, Any]) -> list[bytes]:
    prefix, _ = converse.parse(params, SPEC, {})
    return [block.digest for block in prefix.blocks]


def test_in_place_changes_are_seen_after_any_number_of_calls() -> None:
    tool: dict[str, Any] = {
        "toolSpec": {"name": "t", "inputSchema": {"json": {"properties": {"a": {}}}}}
    }
    result: dict[str, Any] = {"toolResult": {"toolUseId": "x", "content": [{"text": "one"}]}}
    params = _params(tool, result)
    first = [_digests(params) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    tool["toolSpec"]["inputSchema"]["json"]["properties"]["a"]["type"] = "string"
    result["toolResult"]["content"].append({"text": "two"})
    changed = _digests(params)
    assert changed[0] != first[0][0] and changed[2] != first[0][2]
    fresh = _digests(_params(dict(tool), dict(result)))  # new objects, same content
    assert fresh == changed


def test_a_change_of_number_type_is_seen() -> None:
    use: dict[str, Any] = {"toolUse": {"toolUseId": "x", "name": "t", "input": {"n": 1}}}
    params = {"messages": [{"role": "assistant", "content": [use]}]}
    before = [_digests(params) for _ in range(3)][-1]
    use["toolUse"]["input"]["n"] = 1.0
    assert _digests(params) != before
