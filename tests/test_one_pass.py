"""The request is read once: the prefix after placing markers is derived, not re-read."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.request.dialects import anthropic, converse, nova
from bedrock_cache_hook.request.planner import PlannedMarker

SPEC = resolve("anthropic.claude-sonnet-4-5-20250929-v1:0").spec
NOVA_SPEC = resolve("us.amazon.nova-pro-v1:0").spec
POINT = {"cachePoint": {"type": "default"}}


def request(rng: random.Random) -> dict[str, Any]:
    def items(prefix: str, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(count):
            if rng.random() < 0.25:
                out.append(dict(POINT))
            out.append({"text": f"{prefix} {i} " * rng.randint(1, 30)})
        return out

    tools = [
        {"toolSpec": {"name": f"t{i}", "inputSchema": {"json": {"type": "object"}}}}
        for i in range(rng.randint(0, 3))
    ]
    if tools and rng.random() < 0.5:
        tools.insert(rng.randint(1, len(tools)), dict(POINT))
    messages = [
        {
            "role": "user" if m % 2 == 0 else "assistant",
            "content": items(f"m{m}", rng.randint(1, 4)),
        }
        for m in range(rng.randint(1, 6))
    ]
    params: dict[str, Any] = {"system": items("s", rng.randint(0, 3)), "messages": messages}
    if tools:
        params["toolConfig"] = {"tools": tools}
    return params


@pytest.mark.parametrize("seed", range(200))
def test_derived_prefix_equals_reading_the_marked_request_again(seed: int) -> None:
    rng = random.Random(seed)
    params = request(rng)
    prefix, locations = converse.parse(params, SPEC)
    if not prefix.blocks:
        return
    chosen = sorted(rng.sample(range(len(prefix.blocks)), min(3, len(prefix.blocks))))
    planned = [PlannedMarker(i, rng.choice([None, "1h"]), "test") for i in chosen]
    marked = {**params, **converse.apply(params, prefix, planned)}
    derived, derived_locations = converse.with_markers(prefix, locations, planned)
    again, again_locations = converse.parse(marked, SPEC)
    assert derived.blocks == again.blocks
    assert derived.markers == again.markers
    assert derived_locations == again_locations
    assert derived.chain == again.chain and derived.cumulative == again.cumulative


def anthropic_body(rng: random.Random) -> dict[str, Any]:
    def blocks(prefix: str, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(count):
            block: dict[str, Any] = {"type": "text", "text": f"{prefix} {i} " * rng.randint(1, 30)}
            if rng.random() < 0.2:
                block["cache_control"] = {"type": "ephemeral"}
            out.append(block)
        return out

    system: Any = blocks("s", rng.randint(1, 3)) if rng.random() < 0.6 else "one system string"
    messages = []
    for m in range(rng.randint(1, 6)):
        content: Any = blocks(f"m{m}", rng.randint(1, 4)) if rng.random() < 0.7 else f"m{m} text"
        messages.append({"role": "user" if m % 2 == 0 else "assistant", "content": content})
    tools = [
        {"name": f"t{i}", "input_schema": {"type": "object"}} for i in range(rng.randint(0, 3))
    ]
    body: dict[str, Any] = {"system": system, "messages": messages}
    if tools:
        body["tools"] = tools
    return body


def _derived_equals_read_again(
    dialect: Any, body: dict[str, Any], spec: Any, rng: random.Random
) -> tuple[Any, Any]:
    """Markers on up to 3 free markable blocks: the derived prefix and the marked body read
    again agree on markers, locations, block places, estimates and chain."""
    prefix, locations = dialect.parse(body, spec)
    free = [
        i
        for i, block in enumerate(prefix.blocks)
        if block.markable and all(m.after != i for m in prefix.markers)
    ]
    chosen = sorted(rng.sample(free, min(3, len(free))))
    planned = [PlannedMarker(i, rng.choice([None, "1h"]), "test") for i in chosen]
    marked = dialect.apply(body, prefix, planned)
    derived, derived_locations = dialect.with_markers(prefix, locations, planned)
    again, again_locations = dialect.parse(marked, spec)
    assert derived.markers == again.markers
    assert derived_locations == again_locations
    assert [b.path for b in derived.blocks] == [b.path for b in again.blocks]
    assert derived.cumulative == again.cumulative and derived.chain == again.chain
    return derived, again


@pytest.mark.parametrize("seed", range(200))
def test_anthropic_bodies_too(seed: int) -> None:
    rng = random.Random(seed)
    _derived_equals_read_again(anthropic, anthropic_body(rng), SPEC, rng)


def nova_body(rng: random.Random) -> dict[str, Any]:
    def blocks(prefix: str, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(count):
            block: dict[str, Any] = {"text": f"{prefix} {i} " * rng.randint(1, 30)}
            roll = rng.random()
            if roll < 0.15:
                block["cachePoint"] = {"type": "default"}
            out.append(block)
            if roll > 0.9:
                out.append(dict(POINT))  # a marker element of its own, Converse style
        return out

    messages = [
        {
            "role": "user" if m % 2 == 0 else "assistant",
            "content": blocks(f"m{m}", rng.randint(1, 4)),
        }
        for m in range(rng.randint(1, 6))
    ]
    return {
        "schemaVersion": "messages-v1",
        "system": blocks("s", rng.randint(0, 3)),
        "messages": messages,
    }


@pytest.mark.parametrize("seed", range(200))
def test_nova_bodies_too(seed: int) -> None:
    rng = random.Random(seed)
    derived, again = _derived_equals_read_again(nova, nova_body(rng), NOVA_SPEC, rng)
    assert derived.blocks == again.blocks  # a block's digest leaves its cachePoint out


def test_a_text_block_edited_in_place_between_calls_is_read_again() -> None:
    params = {"system": [{"text": "You are terse."}], "messages": [user := {"role": "user"}]}
    user["content"] = [{"text": "What changed?"}]
    first, _ = converse.parse(params, SPEC)
    assert converse.parse(params, SPEC)[0].blocks == first.blocks  # the cache answers
    params["system"][0]["text"] = "You are verbose."  # same dict, new string
    user["content"][0]["text"] = "What changed?"[:]  # equal text: same content either way
    second, _ = converse.parse(params, SPEC)
    assert second.blocks[0].digest != first.blocks[0].digest
    assert second.blocks[1].digest == first.blocks[1].digest
