"""aiobotocore: the four operations through real asyncio clients against the loopback simulator.

Process-wide ``install()`` and ``install(session)``; streams iterated with ``async for``;
InvokeModel bodies read with ``await``, by every async reader, with the record-once semantics
of the sync path (one record at the end of the body; ``completed=False`` when closed early or
dropped unread). Skipped where aiobotocore is not installed (``pip install -e '.[test,aio]'``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("aiobotocore")

from aiobotocore.response import AioStreamingBody
from aiobotocore.session import AioSession, get_session

import bedrock_cache_hook
from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.server import SimServer

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "You are a careful assistant for the test suite. " + "Policy clause number. " * 700
MESSAGES = [{"role": "user", "content": [{"text": "hello"}]}]
BODY = json.dumps(
    {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": "hello"}],
    }
)


class _Headerless:
    """The simulator's engine, minus the cache-count headers of InvokeModel responses, so the
    usage has to come from the body (as when Bedrock's headers omit the cache counts)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def handle(self, request: Any) -> Any:
        response = self._engine.handle(request)
        headers = tuple(h for h in response.headers if "cache" not in h[0].lower())
        return dataclasses.replace(response, headers=headers)


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def server(sim: Simulator) -> Iterator[SimServer]:
    with sim.serve(port=0) as running:
        yield running


@pytest.fixture
def headerless(sim: Simulator) -> Iterator[SimServer]:
    with SimServer(_Headerless(sim.engine)) as running:  # type: ignore[arg-type]
        yield running


def run(
    url: str,
    work: Callable[[Any], Awaitable[Any]],
    session: AioSession | None = None,
) -> Any:
    async def main() -> Any:
        async with (session or get_session()).create_client(
            "bedrock-runtime",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as client:
            return await work(client)

    return asyncio.run(main())


def records() -> list[bedrock_cache_hook.CallRecord]:
    return bedrock_cache_hook.get_ledger().records()


async def _all_four(client: Any) -> list[str]:
    texts: list[str] = []
    for _ in range(2):
        reply = await client.converse(modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES)
        texts.append(reply["output"]["message"]["content"][0]["text"])
    reply = await client.converse_stream(
        modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES
    )
    deltas = [
        e["contentBlockDelta"]["delta"]["text"]
        async for e in reply["stream"]
        if "contentBlockDelta" in e
    ]
    texts.append("".join(deltas))
    reply = await client.invoke_model(modelId=MODEL, body=BODY)
    texts.append(json.loads(await reply["body"].read())["content"][0]["text"])
    reply = await client.invoke_model_with_response_stream(modelId=MODEL, body=BODY)
    events = [json.loads(e["chunk"]["bytes"]) async for e in reply["body"] if "chunk" in e]
    texts.append("".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta"))
    return texts


def _check_all_four(texts: list[str]) -> None:
    got = records()
    assert [r.operation for r in got] == [
        "Converse",
        "Converse",
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ]
    assert [r.status for r in got] == ["miss", "hit", "hit", "hit", "hit"]
    assert all(r.completed and r.injected >= 1 for r in got)
    assert got[0].cache_write_tokens > 1000
    assert all(r.cache_read_tokens >= got[0].cache_write_tokens for r in got[1:])
    assert all(r.output_tokens > 0 for r in got)
    assert [r.usage_source for r in got][2:] == ["stream-metadata", "headers", "stream-events"]
    assert all(texts)  # the caller got its answers


def test_process_wide_install_covers_all_four_operations(server: SimServer) -> None:
    bedrock_cache_hook.install()
    _check_all_four(run(server.url, _all_four))


def test_install_on_an_aio_session(server: SimServer) -> None:
    session = get_session()
    bedrock_cache_hook.install(session)
    assert bedrock_cache_hook.is_installed(session)
    _check_all_four(run(server.url, _all_four, session))
    # another session is untouched
    before = len(records())
    run(server.url, _all_four)
    assert len(records()) == before


def test_install_on_an_aio_client(server: SimServer) -> None:
    async def work(client: Any) -> list[str]:
        bedrock_cache_hook.install(client)
        return await _all_four(client)

    _check_all_four(run(server.url, work))


def test_answers_are_the_same_with_and_without_the_hook(sim: Simulator, server: SimServer) -> None:
    without = run(server.url, _all_four)
    sim.reset()
    bedrock_cache_hook.install()
    with_hook = run(server.url, _all_four)
    assert with_hook == without


# -- InvokeModel bodies read from the body (no cache headers) -------------------------------

Reader = Callable[[AioStreamingBody], Awaitable[bytes]]


async def _read_all(body: AioStreamingBody) -> bytes:
    return bytes(await body.read())


async def _read_in_pieces(body: AioStreamingBody) -> bytes:
    out = b""
    while chunk := await body.read(100):
        out += chunk
    return out


async def _iterate(body: AioStreamingBody) -> bytes:
    return b"".join([chunk async for chunk in body])


async def _iter_chunks(body: AioStreamingBody) -> bytes:
    return b"".join([chunk async for chunk in body.iter_chunks(7)])


async def _readinto(body: AioStreamingBody) -> bytes:
    out = b""
    buffer = bytearray(64)
    while count := await body.readinto(buffer):
        out += bytes(buffer[:count])
    return out


async def _async_with(body: AioStreamingBody) -> bytes:
    async with body as f:
        return bytes(await f.read())


async def _lines(body: AioStreamingBody) -> bytes:
    return b"".join(await body.readlines())


@pytest.mark.parametrize(
    "reader",
    [_read_all, _read_in_pieces, _iterate, _iter_chunks, _readinto, _async_with, _lines],
)
def test_awaited_body_reads_record_once_from_the_body(
    headerless: SimServer, reader: Reader
) -> None:
    bedrock_cache_hook.install()

    async def work(client: Any) -> list[tuple[bytes, type, int]]:
        out = []
        for _ in range(2):
            reply = await client.invoke_model(modelId=MODEL, body=BODY)
            body = reply["body"]
            assert not records()[len(out) :]  # nothing recorded before the body is read
            data = await reader(body)
            out.append((data, type(body), len(records())))
            if reader is not _async_with:  # (which closed it)
                assert await body.read() == b""  # reading past the end: still one record
        return out

    out = run(headerless.url, work)
    assert [t for _, t, _ in out] == [AioStreamingBody, AioStreamingBody]  # type unchanged
    assert [n for _, _, n in out] == [1, 2]
    for data, _, _ in out:
        assert json.loads(data)["content"][0]["type"] == "text"
    got = records()
    assert len(got) == 2
    assert [r.status for r in got] == ["miss", "hit"]
    assert all(r.usage_source == "body" and r.completed for r in got)
    assert got[1].cache_read_tokens == got[0].cache_write_tokens > 1000


def test_body_closed_before_its_end_records_incomplete(headerless: SimServer) -> None:
    bedrock_cache_hook.install()

    async def work(client: Any) -> None:
        reply = await client.invoke_model(modelId=MODEL, body=BODY)
        await reply["body"].read(10)
        await reply["body"].aclose()
        reply["body"].close()  # again: still one record

    run(headerless.url, work)
    (record,) = records()
    assert record.completed is False
    # as on the sync path: the headers' counts (without cache fields) when the body is cut
    assert record.usage_source == "headers"
    assert record.cache_read_tokens == record.cache_write_tokens == 0


def test_body_dropped_unread_still_records_once(headerless: SimServer) -> None:
    bedrock_cache_hook.install()

    async def work(client: Any) -> None:
        reply = await client.invoke_model(modelId=MODEL, body=BODY)
        assert reply["body"] is not None
        del reply

    run(headerless.url, work)
    gc.collect()
    (record,) = records()
    assert record.completed is False


def test_stream_abandoned_after_a_few_events_records_once(server: SimServer) -> None:
    bedrock_cache_hook.install()

    async def work(client: Any) -> None:
        reply = await client.converse_stream(
            modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES
        )
        stream = reply["stream"]
        iterator = aiter(stream)
        await anext(iterator)
        await iterator.aclose()  # what ``break`` in ``async for`` leads to
        stream.close()

    run(server.url, work)
    gc.collect()
    (record,) = records()
    assert record.operation == "ConverseStream"
    assert record.completed is False
