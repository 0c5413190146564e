"""The request is read once: the prefix after placing markers is derived, not re-read."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.dialects import converse
from bedrock_cache_hook.planner import PlannedMarker

SPEC = resolve("anthropic.claude-sonnet-4-5-20250929-v1:0").spec
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
