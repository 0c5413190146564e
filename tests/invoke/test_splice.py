"""A marked InvokeModel body written from one dumps is byte for byte the full re-encode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import anthropic, splice
from bedrock_cache_hook.request.dialects.body import STYLES, encode, read_body
from bedrock_cache_hook.request.planner import PlannedMarker

SPEC = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec


def _body(content: Any = None) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "system é " * 50}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "first"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "reply"}]},
            {"role": "user", "content": content or [{"type": "text", "text": "last"}]},
        ],
        "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object"}}],
    }


def _marked(text: str) -> tuple[bytes | None, bytes]:
    read = read_body(text)
    assert read.data is not None
    prefix, _ = anthropic.parse(read.data, SPEC, {})
    template = splice.settle(read, splice.open_paths(read.data, prefix))
    markers = [
        PlannedMarker(after=i, ttl=None, reason="tail") for i in (0, 1, len(prefix.blocks) - 1)
    ]
    marked = anthropic.apply(read.data, prefix, markers)
    marked = {**marked, "anthropic_beta": ["b"]}
    out = splice.splice(template, read.data, marked) if template is not None else None
    return (out.encode() if out is not None else None), encode(marked, read.style)


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("content", [None, "a whole string content"])
def test_spliced_body_is_the_full_encode(style: str, content: Any) -> None:
    spliced, full = _marked(json.dumps(_body(content), **STYLES[style]))
    assert spliced == full


def test_a_body_holding_the_placeholder_falls_back() -> None:
    text = json.dumps(_body([{"type": "text", "text": splice._MARK + "3"}]))
    spliced, full = _marked(text)
    assert spliced is None or spliced == full


def test_a_body_no_style_writes_back_is_settled_plainly() -> None:
    read = read_body(json.dumps(_body(), indent=2))
    assert read.data is not None
    prefix, _ = anthropic.parse(read.data, SPEC, {})
    assert splice.settle(read, splice.open_paths(read.data, prefix)) is None
    assert read.rewritable and read.style == "compact"
    dup = read_body('{"messages": [], "messages": []}')
    assert dup.data is not None
    assert splice.settle(dup, []) is None and not dup.rewritable
