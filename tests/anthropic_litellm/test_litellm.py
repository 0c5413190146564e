"""LiteLLM's Bedrock routes with only ``bedrock_cache_hook.install()``: markers planned on its
messages (its prompt-management hook), every call recorded once (its CustomLogger callbacks),
every request accepted by the loopback simulator with SigV4 verification and Bedrock's marker
rules (a rejected signature is a 403, a marker over the rules a 400, in the call log)."""

from __future__ import annotations

import asyncio
import copy
import os
import time
from typing import Any

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.simulator import DUMMY_KEY_ID, DUMMY_SECRET

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
litellm = pytest.importorskip("litellm")

MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "Stable instructions for the assistant, long enough to pass the minimum. " * 200
ROUTES = [("converse", "Converse"), ("invoke", "InvokeModel")]


def _records(count: int) -> list[bedrock_cache_hook.CallRecord]:
    """LiteLLM runs its sync success callbacks on a worker thread: wait for them."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = bedrock_cache_hook.get_ledger().records()
        if len(records) >= count:
            time.sleep(0.2)  # and make sure no extra record follows
            return bedrock_cache_hook.get_ledger().records()
        time.sleep(0.05)
    return bedrock_cache_hook.get_ledger().records()


def _kwargs(route: str, url: str, messages: list[Any] | None = None, **extra: Any) -> Any:
    return {
        "model": f"bedrock/{route}/{MODEL}",
        "messages": messages
        or [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}],
        "max_tokens": 10,
        "aws_access_key_id": DUMMY_KEY_ID,
        "aws_secret_access_key": DUMMY_SECRET,
        "aws_region_name": "us-east-1",
        "aws_bedrock_runtime_endpoint": url,
        **extra,
    }


@pytest.mark.parametrize(("route", "operation"), ROUTES)
def test_second_call_reads_the_cache_and_each_call_is_recorded_once(
    route: str, operation: str
) -> None:
    bedrock_cache_hook.install()
    sim = Simulator(verify_signatures=True)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "hi"}]
    before = copy.deepcopy(messages)
    with sim.serve() as server:
        replies = [litellm.completion(**_kwargs(route, server.url, messages)) for _ in range(2)]
    assert messages == before  # the caller's list untouched
    records = _records(2)
    assert [r.operation for r in records] == [operation, operation]
    assert all(r.model_id == MODEL for r in records)
    assert [r.status for r in records] == ["miss", "hit"]
    assert records[0].injected >= 1 and records[0].cache_write_tokens > 3000
    assert records[1].cache_read_tokens == records[0].cache_write_tokens
    assert records[1].cost_usd < records[0].cost_usd
    assert replies[1].usage.cache_read_input_tokens == records[0].cache_write_tokens
    calls = sim.calls()
    assert all(c.status == 200 for c in calls)  # every signature verified, markers accepted
    assert [c.operation for c in calls] == [operation, operation]
    assert calls[1].cache_read_tokens > 0  # on the wire


@pytest.mark.parametrize(("route", "operation"), ROUTES)
def test_streams_and_async_calls_are_recorded_once(route: str, operation: str) -> None:
    bedrock_cache_hook.install()
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        chunks = list(litellm.completion(**_kwargs(route, server.url, stream=True)))
        assert chunks

        async def run() -> None:
            await litellm.acompletion(**_kwargs(route, server.url))
            stream = await litellm.acompletion(**_kwargs(route, server.url, stream=True))
            async for _ in stream:
                pass
            deadline = time.monotonic() + 10  # LiteLLM logs async calls from a worker task
            while len(bedrock_cache_hook.get_ledger().records()) < 3:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)

        asyncio.run(run())
    records = _records(3)
    stream_op = "ConverseStream" if operation == "Converse" else "InvokeModelWithResponseStream"
    assert sorted(r.operation for r in records) == sorted([stream_op, operation, stream_op])
    assert len(records) == 3
    assert [r.status for r in records] == ["miss", "hit", "hit"]
    assert all(c.status == 200 for c in sim.calls())


@pytest.mark.parametrize(("route", "operation"), ROUTES)
def test_litellm_own_caching_and_ours_stay_within_bedrock_rules(route: str, operation: str) -> None:
    """The caller marks three blocks and asks LiteLLM for its own injection points too:
    Bedrock would refuse a fifth marker (the simulator answers 400); none is sent."""
    bedrock_cache_hook.install()
    sim = Simulator(verify_signatures=True)
    chunk = "Reference material that stays the same between calls. " * 120
    marked = {"type": "ephemeral"}
    messages = [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": SYSTEM, "cache_control": marked},
                {"type": "text", "text": chunk, "cache_control": marked},
            ],
        },
        {"role": "user", "content": [{"type": "text", "text": chunk, "cache_control": marked}]},
        {"role": "assistant", "content": "noted"},
        {"role": "user", "content": chunk + " and a question"},
    ]
    points = [
        {"location": "message", "role": "system"},
        {"location": "message", "index": -1},
        {"location": "message", "index": -2},
    ]
    with sim.serve() as server:
        for _ in range(2):
            litellm.completion(
                **_kwargs(route, server.url, messages, cache_control_injection_points=points)
            )
    records = _records(2)
    assert [c.status for c in sim.calls()] == [200, 200]
    assert all(r.markers <= 4 for r in records)
    assert records[1].status == "hit"


def test_with_litellm_default_caching_on_too() -> None:
    """``litellm.enable_anthropic_prompt_caching`` set by the program: still one plan, cached."""
    previous = litellm.enable_anthropic_prompt_caching
    litellm.enable_anthropic_prompt_caching = True
    try:
        bedrock_cache_hook.install()
        sim = Simulator(verify_signatures=True)
        with sim.serve() as server:
            for _ in range(2):
                litellm.completion(**_kwargs("converse", server.url))
        records = _records(2)
        assert [r.status for r in records] == ["miss", "hit"]
        assert all(c.status == 200 for c in sim.calls())
    finally:
        litellm.enable_anthropic_prompt_caching = previous


def test_off_sends_what_litellm_would() -> None:
    """After ``install(mode="off")`` nothing is planned or recorded: no marker is sent."""
    bedrock_cache_hook.install()
    bedrock_cache_hook.install(mode="off")
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        for _ in range(2):
            litellm.completion(**_kwargs("converse", server.url))
    time.sleep(0.3)
    assert bedrock_cache_hook.get_ledger().records() == []
    assert [c.cache_read_tokens + c.cache_write_tokens for c in sim.calls()] == [0, 0]
