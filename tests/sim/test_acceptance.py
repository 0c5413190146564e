"""Issue 4's acceptance bullets for the engine, through a real boto3 client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.tokenizer import count_text

from .kit import (
    NO_RETRY,
    NOVA_PRO,
    POINT,
    SONNET_45,
    converse,
    msg_tokens,
    text,
    tool,
    usage_of,
    user,
)

S = 1500


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def client(sim: Simulator) -> Any:
    return sim.client(config=NO_RETRY)


def test_same_prefix_twice_then_after_five_minutes(sim: Simulator, client: Any) -> None:
    request = converse(f"us.{SONNET_45}", system=[text(S), POINT])
    q = msg_tokens("What now?")
    assert usage_of(client.converse(**request)) == (q, 0, S)
    sim.advance(120)
    assert usage_of(client.converse(**request)) == (q, S, 0)
    sim.advance(301)
    assert usage_of(client.converse(**request)) == (q, 0, S)


def blocks(count: int) -> list[dict[str, Any]]:
    return [{"text": f"step {i} done"} for i in range(count)]


@pytest.mark.parametrize("intermediate", [False, True])
def test_marker_twenty_five_blocks_later(client: Any, intermediate: bool) -> None:
    client.converse(**converse(system=[text(S), POINT]))
    tail = blocks(25)
    content = [*tail[:12], POINT, *tail[12:], POINT] if intermediate else [*tail, POINT]
    request = converse(system=[text(S)], messages=[user(*content)])
    written = msg_tokens("") + sum(count_text(b["text"]) for b in tail)
    expected = (0, S, written) if intermediate else (0, 0, S + written)
    assert usage_of(client.converse(**request)) == expected


def test_below_the_model_minimum_never_caches(sim: Simulator, client: Any) -> None:
    request = converse(system=[text(1023), POINT])
    for _ in range(3):
        assert usage_of(client.converse(**request))[1:] == (0, 0)
        sim.advance(10)
    assert sim.stats().live_entries == 0


def test_five_markers_are_a_validation_exception(client: Any) -> None:
    request = converse(
        system=[text(5), POINT, text(5, "agent"), POINT],
        messages=[user(text(5), POINT, text(5, "tools"), POINT, text(5, "write"), POINT)],
    )
    with pytest.raises(client.exceptions.ValidationException, match="Found 5"):
        client.converse(**request)


def test_nova_tool_marker_is_a_validation_exception(client: Any) -> None:
    request = converse(NOVA_PRO, toolConfig={"tools": [tool(), POINT]})
    with pytest.raises(
        client.exceptions.ValidationException, match=r"extraneous key \[cachePoint\]"
    ):
        client.converse(**request)
    body = {
        "toolConfig": {"tools": [{**tool(), "cachePoint": {"type": "default"}}]},
        "messages": [],
    }
    with pytest.raises(client.exceptions.ValidationException):
        client.invoke_model(modelId=NOVA_PRO, body=json.dumps(body))
