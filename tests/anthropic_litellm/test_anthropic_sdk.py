"""The Anthropic SDK's Bedrock clients with only ``bedrock_cache_hook.install()``, against the
loopback simulator with SigV4 verification on: cached from the second call, one record per
call, every signature verified (a rejected signature would be a 403 in the call log)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.sim import SimServer, Simulator
from bedrock_cache_hook.sim.simulator import DUMMY_KEY_ID, DUMMY_SECRET

anthropic = pytest.importorskip("anthropic")

MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "Stable instructions for the assistant, long enough to pass the minimum. " * 200
MESSAGES = [{"role": "user", "content": "hello"}]
SIGV4 = {"aws_access_key": DUMMY_KEY_ID, "aws_secret_key": DUMMY_SECRET, "aws_region": "us-east-1"}


@pytest.fixture
def sim() -> Simulator:
    return Simulator(verify_signatures=True)


@pytest.fixture
def server(sim: Simulator) -> Iterator[SimServer]:
    with sim.serve() as running:
        yield running


def _create(client: Any, **extra: Any) -> Any:
    return client.messages.create(
        model=MODEL, max_tokens=20, system=SYSTEM, messages=MESSAGES, **extra
    )


def _check(sim: Simulator, calls: int, operation: str) -> None:
    records = bedrock_cache_hook.get_ledger().records()
    assert len(records) == calls  # one record per call
    assert all(c.status == 200 for c in sim.calls())  # every signature verified
    assert [c.operation for c in sim.calls()] == [operation] * calls
    # the system prompt and the small first message (likely continued)
    assert records[0].injected == 2 and records[0].cache_write_tokens > 0
    for record in records[1:]:
        assert record.status == "hit"
        assert record.cache_read_tokens >= records[0].cache_write_tokens
    assert records[-1].cost_usd < records[0].cost_usd


def test_sync_client_created_after_install(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, **SIGV4)
    replies = [_create(client) for _ in range(2)]
    assert (
        replies[1].usage.cache_read_input_tokens >= replies[0].usage.cache_creation_input_tokens > 0
    )
    assert replies[0].content[0].type == "text"
    _check(sim, 2, "InvokeModel")
    assert MESSAGES == [{"role": "user", "content": "hello"}]  # the caller's list untouched


def test_streaming_helper_and_raw_stream(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, **SIGV4)
    with client.messages.stream(
        model=MODEL, max_tokens=20, system=SYSTEM, messages=MESSAGES
    ) as stream:
        text = "".join(stream.text_stream)
    assert text
    events = list(_create(client, stream=True))
    assert events[0].type == "message_start"
    assert events[0].message.usage.cache_read_input_tokens > 0
    _check(sim, 2, "InvokeModelWithResponseStream")


def test_stream_closed_early_is_recorded_once(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, **SIGV4)
    stream = _create(client, stream=True)
    next(iter(stream))
    stream.close()
    stream.close()
    (record,) = bedrock_cache_hook.get_ledger().records()
    assert record.completed is False and record.cache_write_tokens > 0


def test_async_client_plain_and_stream(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()

    async def run() -> list[Any]:
        client = anthropic.AsyncAnthropicBedrock(base_url=server.url, **SIGV4)
        first = await _create(client)
        events = [event async for event in await _create(client, stream=True)]
        third = await _create(client)
        return [first, events, third]

    first, events, third = asyncio.run(run())
    assert events[-1].type == "message_stop"
    assert third.usage.cache_read_input_tokens >= first.usage.cache_creation_input_tokens > 0
    records = bedrock_cache_hook.get_ledger().records()
    assert [r.status for r in records] == ["miss", "hit", "hit"]
    assert records[1].operation == "InvokeModelWithResponseStream"
    assert all(c.status == 200 for c in sim.calls())


def test_mantle_client_on_the_messages_route(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrockMantle(base_url=f"{server.url}/anthropic", **SIGV4)
    _create(client)
    _create(client)
    list(_create(client, stream=True))
    records = bedrock_cache_hook.get_ledger().records()
    assert [r.operation for r in records] == ["Messages", "Messages", "MessagesStream"]
    assert [r.status for r in records] == ["miss", "hit", "hit"]
    assert all(c.status == 200 for c in sim.calls())


def test_bearer_key_client(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(
        api_key="ABSK-dummy-key", aws_region="us-east-1", base_url=server.url
    )
    _create(client)
    _create(client)
    _check(sim, 2, "InvokeModel")


def test_install_on_an_existing_client_and_off(sim: Simulator, server: SimServer) -> None:
    client = anthropic.AnthropicBedrock(base_url=server.url, **SIGV4)
    _create(client)
    assert bedrock_cache_hook.get_ledger().records() == []  # not installed: untouched
    bedrock_cache_hook.install(client)
    assert bedrock_cache_hook.is_installed(client)
    _create(client)
    _create(client)
    assert [r.status for r in bedrock_cache_hook.get_ledger().records()] == ["miss", "hit"]
    bedrock_cache_hook.install(client, mode="off")
    _create(client)
    assert len(bedrock_cache_hook.get_ledger().records()) == 2


def test_with_options_copies_keep_one_middleware(server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, **SIGV4)
    copy = client.with_options(max_retries=0)
    ours = [m for m in copy.middleware if type(m).__module__.startswith("bedrock_cache_hook")]
    assert len(ours) == 1
    _create(copy)
    assert len(bedrock_cache_hook.get_ledger().records()) == 1


def test_a_retried_throttle_is_one_record(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, max_retries=2, **SIGV4)
    sim.fail_next("throttle")
    client = client.with_options(timeout=10)
    _create(client)
    (record,) = bedrock_cache_hook.get_ledger().records()
    assert record.error_code is None and len(sim.calls()) == 2


def test_a_final_error_is_recorded(sim: Simulator, server: SimServer) -> None:
    bedrock_cache_hook.install()
    client = anthropic.AnthropicBedrock(base_url=server.url, max_retries=0, **SIGV4)
    with pytest.raises(anthropic.APIStatusError):
        client.messages.create(model="anthropic.no-such-model", max_tokens=5, messages=MESSAGES)
    (record,) = bedrock_cache_hook.get_ledger().records()
    assert record.status == "error" and record.error_code == "ValidationException"
