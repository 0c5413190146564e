"""InvokeModelWithResponseStream with real event-stream frames: one record, exactly once."""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import EventStream
from botocore.exceptions import EventStreamError

import bedrock_cache_hook as bch
from bedrock_cache_hook.operations import OPERATIONS
from bedrock_cache_hook.response.usage import InvokeStreamUsage, Usage
from bedrock_cache_hook.sim.eventstream import encode_event
from tests.support import REGION, respond_with, stream_response

from .kit import NOVA_PRO, SONNET_45, anthropic_body, nova_body, sim_client

BODY = json.dumps(anthropic_body())


def events(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(e["chunk"]["bytes"]) for e in response["body"]]


def test_full_iteration_gives_one_record_with_cache_fields() -> None:
    bch.install()
    sim, client = sim_client()
    for _ in range(2):
        response = client.invoke_model_with_response_stream(modelId=SONNET_45, body=BODY)
        assert isinstance(response["body"], EventStream)
        before = len(bch.get_ledger().records())
        seen = events(response)
        assert seen[-1]["type"] == "message_stop"
        assert len(bch.get_ledger().records()) == before + 1
    write, read = bch.get_ledger().records()
    calls = sim.calls()
    for record, call in zip((write, read), calls, strict=True):
        assert record.operation == "InvokeModelWithResponseStream"
        assert (record.completed, record.usage_source) == (True, "stream-events")
        assert (record.cache_read_tokens, record.cache_write_tokens, record.output_tokens) == (
            call.cache_read_tokens,
            call.cache_write_tokens,
            call.output_tokens,
        )
        assert record.server_latency_ms is not None
        assert 3 <= record.markers == record.injected <= 4
    assert write.cache_write_tokens > 2000
    assert (write.status, read.status) == ("miss", "hit")


def test_events_are_identical_with_and_without_the_hook() -> None:
    plain = events(sim_client()[1].invoke_model_with_response_stream(modelId=SONNET_45, body=BODY))
    bch.install(mode="audit")
    hooked = events(sim_client()[1].invoke_model_with_response_stream(modelId=SONNET_45, body=BODY))
    strip = ("id", "latency")  # per-call values of the simulator

    def stable(items: list[dict[str, Any]]) -> str:
        text = json.dumps(items)
        for key in strip:
            text = text.replace(key, "")
        return "".join(c for c in text if not c.isdigit())

    assert stable(hooked) == stable(plain)


def test_early_break_and_close_is_incomplete() -> None:
    bch.install()
    _, client = sim_client()
    stream = client.invoke_model_with_response_stream(modelId=SONNET_45, body=BODY)["body"]
    for event in stream:
        if json.loads(event["chunk"]["bytes"])["type"] == "content_block_delta":
            break
    stream.close()
    stream.close()
    [record] = bch.get_ledger().records()
    assert record.completed is False
    assert record.markers == 3


def test_close_without_iterating_is_incomplete() -> None:
    bch.install()
    _, client = sim_client()
    client.invoke_model_with_response_stream(modelId=SONNET_45, body=BODY)["body"].close()
    [record] = bch.get_ledger().records()
    assert (record.completed, record.usage_source) == (False, "none")


def test_stream_error_mid_way() -> None:
    bch.install()
    sim, client = sim_client()
    sim.fail_next("stream_error")
    stream = client.invoke_model_with_response_stream(modelId=SONNET_45, body=BODY)["body"]
    with pytest.raises(EventStreamError):
        list(stream)
    [record] = bch.get_ledger().records()
    assert (record.status, record.completed) == ("error", False)


def test_nova_stream_metadata_usage() -> None:
    bch.install()
    sim, client = sim_client()
    body = json.dumps(nova_body())
    response = client.invoke_model_with_response_stream(modelId=NOVA_PRO, body=body)
    assert "metadata" in events(response)[-1]
    [record] = bch.get_ledger().records()
    call = sim.last_call()
    assert (record.completed, record.usage_source) == (True, "stream-events")
    assert (record.input_tokens, record.cache_write_tokens, record.output_tokens) == (
        call.input_tokens,
        call.cache_write_tokens,
        call.output_tokens,
    )


def _chunk(event: dict[str, Any]) -> bytes:
    data = base64.b64encode(json.dumps(event).encode()).decode()
    return encode_event("chunk", {"bytes": data})


def test_metrics_alone_are_used_when_no_usage_event_comes() -> None:
    """A Llama-style stream: only the final chunk's invocation metrics carry usage."""
    bch.install()
    client = boto3.client(
        "bedrock-runtime", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    metrics = {
        "inputTokenCount": 12,
        "outputTokenCount": 4,
        "invocationLatency": 90,
        "firstByteLatency": 20,
    }
    frames = [
        _chunk({"generation": "hi", "stop_reason": None}),
        _chunk(
            {"generation": "", "stop_reason": "stop", "amazon-bedrock-invocationMetrics": metrics}
        ),
    ]
    respond_with(client, lambda r: stream_response(frames))
    body = json.dumps({"prompt": "hi"})
    list(client.invoke_model_with_response_stream(modelId="meta.llama3-8b", body=body)["body"])
    [record] = bch.get_ledger().records()
    assert (record.usage_source, record.input_tokens, record.output_tokens) == (
        "stream-metrics",
        12,
        4,
    )
    assert (record.server_latency_ms, record.completed) == (90, True)


class TestPrecedence:
    START: ClassVar[dict[str, Any]] = {
        "type": "message_start",
        "message": {
            "usage": {
                "input_tokens": 5,
                "cache_read_input_tokens": 3000,
                "cache_creation_input_tokens": 100,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 0,
                    "ephemeral_1h_input_tokens": 100,
                },
                "output_tokens": 1,
            }
        },
    }
    DELTA: ClassVar[dict[str, Any]] = {"type": "message_delta", "usage": {"output_tokens": 42}}
    METRICS: ClassVar[dict[str, Any]] = {
        "inputTokenCount": 5,
        "outputTokenCount": 42,
        "invocationLatency": 300,
        "cacheReadInputTokenCount": 2999,
        "cacheWriteInputTokenCount": 101,
    }

    def run(self, *items: dict[str, Any]) -> tuple[Usage, list[bool]]:
        seen = InvokeStreamUsage()
        finals = [seen.observe(item) for item in items]
        return seen.result(), finals

    def test_events_win_over_metrics(self) -> None:
        stop = {"type": "message_stop", "amazon-bedrock-invocationMetrics": self.METRICS}
        usage, finals = self.run(self.START, self.DELTA, stop)
        assert usage == Usage(5, 42, 3000, 100, 0, 100, "stream-events")
        assert finals == [False, False, True]

    def test_metrics_fill_cache_counts_the_events_lack(self) -> None:
        start = {"type": "message_start", "message": {"usage": {"input_tokens": 5}}}
        stop = {"type": "message_stop", "amazon-bedrock-invocationMetrics": self.METRICS}
        usage, _ = self.run(start, self.DELTA, stop)
        assert (usage.cache_read_tokens, usage.cache_write_tokens) == (2999, 101)
        assert (usage.output_tokens, usage.source) == (42, "stream-events")

    def test_delta_with_cumulative_input_fields(self) -> None:
        delta = {"type": "message_delta", "usage": {"output_tokens": 9, "input_tokens": 6}}
        usage, _ = self.run(self.START, delta)
        assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (6, 9, 3000)
        assert usage.cache_write_1h_tokens == 100

    def test_garbage_is_ignored(self) -> None:
        usage, finals = self.run({"type": "message_start"}, {"type": "message_delta"}, {})
        assert usage.source == "none"
        assert finals == [False, False, False]


def test_a_stubbed_non_stream_body_is_recorded_without_usage() -> None:
    reports: list[tuple[Any, ...]] = []
    parsed: dict[str, Any] = {"body": {"chunk": {}}}
    OPERATIONS["InvokeModelWithResponseStream"].read_response(
        None, parsed, lambda *args: reports.append(args)
    )
    assert parsed["body"] == {"chunk": {}}
    assert [r[0].source for r in reports] == ["none"]


def test_only_chunks_that_can_carry_usage_are_decoded_and_a_bare_stop_completes() -> None:
    """Text deltas are handed on undecoded, even when their text quotes the event names;
    a ``message_stop`` without metrics still ends the accounting (completed record)."""
    bch.install()
    client = boto3.client(
        "bedrock-runtime", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    start = TestPrecedence.START
    quoting = 'a message_delta, a message_stop, "metadata" and invocationMetrics'
    frames = [
        _chunk(start),
        *(
            _chunk({"type": "content_block_delta", "delta": {"type": "text_delta", "text": t}})
            for t in ("plain text", quoting)
        ),
        _chunk(TestPrecedence.DELTA),
        _chunk({"type": "message_stop"}),
    ]
    respond_with(client, lambda r: stream_response(frames))
    body = json.dumps(anthropic_body())
    got = list(client.invoke_model_with_response_stream(modelId=SONNET_45, body=body)["body"])
    assert len(got) == 5
    [record] = bch.get_ledger().records()
    assert (record.completed, record.usage_source) == (True, "stream-events")
    assert (record.cache_read_tokens, record.cache_write_tokens, record.output_tokens) == (
        3000,
        100,
        42,
    )
