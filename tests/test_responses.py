"""Functional tests through real boto3 clients answered by a before-send responder."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import EventStream
from botocore.exceptions import ClientError, EndpointConnectionError, EventStreamError

import bedrock_cache_hook as bch
from bedrock_cache_hook import _guard
from bedrock_cache_hook.sim.eventstream import encode_exception
from tests.support import (
    REGION,
    USAGE,
    agent_request,
    converse_params,
    converse_response,
    converse_stream_frames,
    json_response,
    respond_with,
    stream_response,
)

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(**kwargs: Any) -> Any:
    return boto3.client("bedrock-runtime", region_name=REGION, config=NO_RETRY, **kwargs)


def only_record() -> bch.CallRecord:
    [record] = bch.get_ledger().records()
    return record


def test_converse_over_http() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: json_response(converse_response()))
    result = c.converse(**converse_params())
    assert result["usage"] == USAGE
    record = only_record()
    assert record.status == "hit"
    assert record.request_id == "req-1"
    assert record.latency_ms > 0


def test_http_error_is_recorded_and_still_raised() -> None:
    bch.install()
    c = client()
    body = {"message": "A maximum of 4 blocks with cache_control may be provided. Found 5."}
    respond_with(
        c,
        lambda request: json_response(
            body, 400, {"x-amzn-errortype": "ValidationException:http://internal.amazon.com/"}
        ),
    )
    with pytest.raises(ClientError) as caught:
        c.converse(**converse_params())
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    record = only_record()
    assert record.status == "error"
    assert record.error_code == "ValidationException"


def test_transport_failure_is_recorded_and_still_raised() -> None:
    bch.install()
    c = client()

    def fail(request: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://bedrock-runtime.test")

    respond_with(c, fail)
    with pytest.raises(EndpointConnectionError):
        c.converse(**converse_params())
    record = only_record()
    assert (record.status, record.error_code) == ("error", "EndpointConnectionError")


def test_converse_stream_full_iteration_records_metadata_usage() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames()))
    response = c.converse_stream(**converse_params())
    stream = response["stream"]
    assert isinstance(stream, EventStream)
    assert bch.get_ledger().records() == []
    events = list(stream)
    assert [next(iter(e)) for e in events] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert events[-1]["metadata"]["usage"] == USAGE
    record = only_record()
    assert record.operation == "ConverseStream"
    assert record.completed is True
    assert record.usage_source == "stream-metadata"
    assert (record.input_tokens, record.cache_read_tokens, record.output_tokens) == (
        USAGE["inputTokens"],
        USAGE["cacheReadInputTokens"],
        USAGE["outputTokens"],
    )
    assert record.server_latency_ms == 7
    stream.close()
    assert len(bch.get_ledger().records()) == 1


def test_stream_events_identical_with_and_without_hook() -> None:
    def events() -> list[Any]:
        c = client()
        respond_with(c, lambda request: stream_response(converse_stream_frames(deltas=5)))
        return list(c.converse_stream(**converse_params())["stream"])

    plain = events()
    bch.install()
    assert events() == plain


def test_converse_stream_early_break_and_close() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames(deltas=10)))
    stream = c.converse_stream(**converse_params())["stream"]
    for event in stream:
        if "contentBlockDelta" in event:
            break
    stream.close()
    record = only_record()
    assert record.completed is False
    assert record.status == "miss"  # the request carried a marker, nothing was seen read
    assert record.usage_source == "none"


def test_converse_stream_close_without_iterating() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames()))
    c.converse_stream(**converse_params())["stream"].close()
    assert only_record().completed is False


def test_converse_stream_error_mid_way() -> None:
    bch.install()
    c = client()
    cut = encode_exception("throttlingException", "Too many tokens, please wait.")
    frames = [*converse_stream_frames()[:3], cut]
    respond_with(c, lambda request: stream_response(frames))
    stream = c.converse_stream(**converse_params())["stream"]
    seen = []
    with pytest.raises(EventStreamError):
        seen.extend(stream)
    assert len(seen) == 3
    record = only_record()
    assert (record.status, record.completed) == ("error", False)
    assert record.error_code == "throttlingException"


def test_converse_stream_cut_without_metadata_is_incomplete() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames()[:-1]))
    list(c.converse_stream(**converse_params())["stream"])
    assert only_record().completed is False


def test_uninstalled_stream_is_not_wrapped() -> None:
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames()))
    stream = c.converse_stream(**converse_params())["stream"]
    assert type(stream) is EventStream


def test_invoke_model_usage_from_headers() -> None:
    bch.install()
    c = client()
    headers = {
        "X-Amzn-Bedrock-Input-Token-Count": "9",
        "X-Amzn-Bedrock-Output-Token-Count": "3",
        "X-Amzn-Bedrock-Cache-Read-Input-Token-Count": "2048",
        "X-Amzn-Bedrock-Cache-Write-Input-Token-Count": "0",
    }
    respond_with(c, lambda request: json_response({"content": []}, headers=headers))
    body = json.dumps(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}],
        }
    )
    response = c.invoke_model(modelId="anthropic.claude-3-5-haiku-20241022-v1:0", body=body)
    assert json.loads(response["body"].read()) == {"content": []}
    record = only_record()
    assert (record.usage_source, record.cache_read_tokens, record.status) == (
        "headers",
        2048,
        "hit",
    )


def test_eight_threads_share_one_client() -> None:
    bch.install()
    c = client()
    respond_with(c, lambda request: json_response(converse_response()))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(500):
                c.converse(**converse_params())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    summary = bch.get_ledger().summary()
    assert summary.calls == 4000
    assert summary.input_tokens == 4000 * USAGE["inputTokens"]
    assert summary.cache_read_tokens == 4000 * USAGE["cacheReadInputTokens"]
    assert summary.output_tokens == 4000 * USAGE["outputTokens"]
    assert summary.hits == 4000


@pytest.mark.parametrize("where", ["plan", "audit", "response"])
@pytest.mark.parametrize("stream", [False, True], ids=["converse", "converse_stream"])
def test_failing_internal_does_not_change_the_callers_call(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, stream: bool, where: str
) -> None:
    """A bug anywhere in the hook: same bytes on the wire, same result, one log line."""
    _guard.set_reraise(False)  # production behaviour for this test only

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret prompt text must not be logged")

    def call(c: Any) -> Any:
        if stream:
            return list(c.converse_stream(**agent_request())["stream"])
        result = c.converse(**agent_request())
        result.pop("ResponseMetadata")
        return result

    def make() -> tuple[Any, list[Any]]:
        c = client()
        sent = respond_with(
            c,
            lambda request: (
                stream_response(converse_stream_frames())
                if stream
                else json_response(converse_response())
            ),
        )
        return c, sent

    plain_client, plain_sent = make()
    expected = call(plain_client)
    # with a working hook the request *would* change: the restore below is not vacuous
    bch.install()
    working_client, working_sent = make()
    call(working_client)
    assert b"cachePoint" in working_sent[0].body
    bch.uninstall()
    bch.get_ledger().clear()
    bch.install()
    # "audit" breaks after the markers were applied: the request must be restored.
    target = {
        "plan": "bedrock_cache_hook._request.plan",
        "audit": "bedrock_cache_hook._request.check",
        "response": "bedrock_cache_hook.usage.from_converse",
    }[where]
    monkeypatch.setattr(target, broken)
    with caplog.at_level(logging.ERROR, logger="bedrock_cache_hook"):
        c, sent = make()
        for _ in range(3):
            assert call(c) == expected
    # a request-side failure sends what the caller made; a response-side one changes nothing
    # about the (injected) request
    if where == "response":
        assert sent[0].body == working_sent[0].body
    else:
        assert [r.body for r in sent] == [plain_sent[0].body] * 3
    assert "secret prompt text" not in caplog.text
    assert "RuntimeError" in caplog.text
    assert len(caplog.records) == 1  # once per kind, not once per call
    assert _guard.internal_error_count() == 3
    if stream and where == "response":
        # the observer failed, the stream still ended: recorded as not seen to completion
        assert [r.completed for r in bch.get_ledger().records()] == [False] * 3
    else:
        # whichever side failed, each call still has its one record, and it says so
        records = bch.get_ledger().records()
        assert len(records) == 3
        code = "response-unread" if where == "response" else "request-unread"
        for record in records:
            assert [f.code for f in record.findings] == [code]  # type: ignore[attr-defined]
            if where == "response":
                assert record.input_tokens == 0 and record.injected > 0
            else:
                assert record.injected == 0
                assert record.input_tokens == USAGE["inputTokens"]


def test_stream_dropped_without_iterating_is_still_recorded_once() -> None:
    import gc

    bch.install()
    c = client()
    respond_with(c, lambda request: stream_response(converse_stream_frames()))
    response = c.converse_stream(**converse_params())
    assert bch.get_ledger().records() == []
    del response
    gc.collect()
    record = only_record()
    assert record.completed is False
    gc.collect()
    assert len(bch.get_ledger().records()) == 1
