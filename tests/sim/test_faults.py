"""Fault injection: throttling, 5xx, a stream cut mid-way, an exception frame mid-stream."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EventStreamError
from urllib3.exceptions import ProtocolError

from .kit import (
    EPHEMERAL,
    POINT,
    SONNET_45,
    anthropic_body,
    converse,
    new,
    text,
    usage_of,
    user,
    words,
)

S = 1100
REQUEST = converse(system=[text(S), POINT], messages=[user({"text": "What now?"})])


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [
        ("throttle", "ThrottlingException", 429),
        ("server_error", "InternalServerException", 500),
        ("unavailable", "ServiceUnavailableException", 503),
    ],
)
def test_error_faults(kind: Any, code: str, status: int) -> None:
    sim, client = new()
    sim.fail_next(kind)
    with pytest.raises(getattr(client.exceptions, code)) as raised:
        client.converse(**REQUEST)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["Error"]["Code"] == code
    assert (sim.last_call().status, sim.last_call().fault) == (status, kind)
    # the failed call touched no cache: the next one writes
    assert usage_of(client.converse(**REQUEST))[1:] == (0, S)


def test_throttling_text() -> None:
    sim, client = new()
    sim.fail_next("throttle")
    with pytest.raises(client.exceptions.ThrottlingException, match="Too many requests"):
        client.invoke_model(modelId=SONNET_45, body=anthropic_body(messages=[]))


def test_times_queues_several_faults_in_order() -> None:
    sim, client = new()
    sim.fail_next("throttle", times=2)
    sim.fail_next("server_error")
    for code in ("ThrottlingException", "ThrottlingException", "InternalServerException"):
        with pytest.raises(getattr(client.exceptions, code)):
            client.converse(**REQUEST)
    client.converse(**REQUEST)
    assert [c.status for c in sim.calls()] == [429, 429, 500, 200]


def test_stream_cut_mid_way() -> None:
    sim, client = new()
    sim.fail_next("stream_cut")
    stream = client.converse_stream(**REQUEST)["stream"]
    events: list[Any] = []
    with pytest.raises(ProtocolError, match="IncompleteRead"):
        events.extend(stream)
    assert "messageStart" in events[0]
    assert any("contentBlockDelta" in e for e in events)
    assert not any("metadata" in e or "messageStop" in e for e in events)
    # the cut happened after the service had processed the request: the prefix was written
    assert sim.last_call().cache_write_tokens == S
    assert usage_of(client.converse(**REQUEST))[1] == S


def test_stream_cut_on_invoke_with_response_stream() -> None:
    sim, client = new()
    body = anthropic_body(
        system=[{"type": "text", "text": words(S), "cache_control": EPHEMERAL}],
        messages=[{"role": "user", "content": "hi"}],
    )
    sim.fail_next("stream_cut")
    response = client.invoke_model_with_response_stream(modelId=SONNET_45, body=body)
    chunks: list[Any] = []
    with pytest.raises(ProtocolError):
        chunks.extend(response["body"])
    assert chunks  # message_start arrived, with its usage
    assert b"amazon-bedrock-invocationMetrics" not in b"".join(c["chunk"]["bytes"] for c in chunks)


def test_stream_faults_wait_for_a_streaming_call() -> None:
    sim, client = new()
    sim.fail_next("stream_cut")
    sim.fail_next("throttle")
    # the throttle applies to the next call, the cut waits for the next stream
    with pytest.raises(client.exceptions.ThrottlingException):
        client.converse(**REQUEST)
    client.converse(**REQUEST)
    client.invoke_model(modelId=SONNET_45, body=anthropic_body(messages=[]))
    with pytest.raises(ProtocolError):
        list(client.converse_stream(**REQUEST)["stream"])
    assert list(client.converse_stream(**REQUEST)["stream"])[-1]["metadata"]


def test_stream_error_frame() -> None:
    sim, client = new()
    sim.fail_next("stream_error")
    events: list[Any] = []
    with pytest.raises(EventStreamError) as raised:
        events.extend(client.converse_stream(**REQUEST)["stream"])
    assert raised.value.response["Error"]["Code"] == "internalServerException"
    assert events
    assert sim.last_call().fault == "stream_error"


def test_bad_fault_requests() -> None:
    sim, _ = new()
    with pytest.raises(ValueError, match="unknown fault"):
        sim.fail_next("meteor")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 1"):
        sim.fail_next("throttle", times=0)
    with pytest.raises(ValueError, match="forward"):
        sim.advance(-1)
