"""InvokeModel usage: headers first, else the teed body, read in every way a caller reads."""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import IncompleteReadError
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

import bedrock_cache_hook as bch
from bedrock_cache_hook.response import bodies
from bedrock_cache_hook.testing import invoke_response
from tests.support import REGION, json_response, respond_with

from .kit import LLAMA, NOVA_PRO, SONNET_45, anthropic_body, nova_body, sim_client

FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def numbers(record: bch.CallRecord) -> tuple[int, ...]:
    return tuple(getattr(record, name) for name in FIELDS)


def records() -> list[bch.CallRecord]:
    return bch.get_ledger().records()


def real_call(model_id: str = SONNET_45, payload: Any = None) -> tuple[bytes, bch.CallRecord]:
    """One simulated call: the response body bytes and the record the headers gave."""
    _, client = sim_client()
    response = client.invoke_model(modelId=model_id, body=json.dumps(payload or anthropic_body()))
    [record] = records()  # recorded before the body was read: from the headers
    assert type(response["body"]) is StreamingBody  # not wrapped: the body is not touched
    data = response["body"].read()
    bch.get_ledger().clear()
    return data, record


def test_headers_give_the_record_without_touching_the_body() -> None:
    bch.install()
    data, record = real_call()
    assert record.usage_source == "headers"
    assert record.cache_write_tokens > 0
    assert record.server_latency_ms is not None
    assert json.loads(data)["usage"]["cache_creation_input_tokens"] == record.cache_write_tokens


def _read_all(body: Any) -> bytes:
    return body.read()


def _read_n(body: Any) -> bytes:
    out = b""
    while chunk := body.read(7):
        out += chunk
    return out


def _iter_chunks(body: Any) -> bytes:
    return b"".join(body.iter_chunks(chunk_size=5))


def _iter_lines(body: Any) -> bytes:
    return b"\n".join(body.iter_lines(keepends=False))


def _with(body: Any) -> bytes:
    with body as stream:
        data: bytes = stream.read()
    return data


def _readinto(body: Any) -> bytes:
    out = bytearray()
    buffer = bytearray(11)
    while count := body.readinto(buffer):
        out += buffer[:count]
    return bytes(out)


def _iterate(body: Any) -> bytes:
    return b"".join(body)


def _readlines(body: Any) -> bytes:
    return b"".join(body.readlines())


READERS: dict[str, Callable[[Any], bytes]] = {
    "read": _read_all,
    "read-n": _read_n,
    "iter_chunks": _iter_chunks,
    "iter_lines": _iter_lines,
    "with": _with,
    "readinto": _readinto,
    "iterate": _iterate,
    "readlines": _readlines,
}


@pytest.mark.parametrize("reader", list(READERS))
def test_stubber_without_headers_gives_the_same_numbers_from_the_body(reader: str) -> None:
    bch.install()
    data, from_headers = real_call()
    pretty = json.dumps(json.loads(data), indent=1).encode()  # several lines for iter_lines
    client = sim_client()[1]
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_model", invoke_response(pretty), {"modelId": SONNET_45, "body": ANY}
        )
        response = client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))
    body = response["body"]
    assert isinstance(body, StreamingBody)
    assert records() == []  # not before the caller has read the body
    got = READERS[reader](body)
    if reader == "iter_lines":
        assert got == b"\n".join(pretty.splitlines())
    else:
        assert got == pretty
    [record] = records()
    assert record.usage_source == "body"
    assert numbers(record) == numbers(from_headers)
    assert record.completed is True
    assert record.status == from_headers.status
    body.close()
    assert len(records()) == 1


def test_nova_body_usage() -> None:
    bch.install()
    data, from_headers = real_call(NOVA_PRO, nova_body())
    client = sim_client()[1]
    with Stubber(client) as stub:
        stub.add_response("invoke_model", invoke_response(data))
        client.invoke_model(modelId=NOVA_PRO, body=json.dumps(nova_body()))["body"].read()
    [record] = records()
    assert (record.usage_source, numbers(record)) == ("body", numbers(from_headers))


def _stubbed(payload: Any, content_length: int | None = None) -> Any:
    bch.install()
    client = sim_client()[1]
    response = invoke_response(payload)
    if content_length is not None:
        response["body"] = StreamingBody(io.BytesIO(json.dumps(payload).encode()), content_length)
    stub = Stubber(client)
    stub.add_response("invoke_model", response)
    with stub:
        return client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))["body"]


USAGE = {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 2000}


def test_closed_before_the_end_is_recorded_once_as_incomplete() -> None:
    body = _stubbed({"usage": USAGE, "content": []})
    body.read(3)
    body.close()
    body.close()
    [record] = records()
    assert (record.completed, record.usage_source, record.cache_read_tokens) == (False, "none", 0)


def test_never_read_is_recorded_when_the_body_is_dropped() -> None:
    body = _stubbed({"usage": USAGE})
    assert records() == []
    del body
    gc.collect()
    [record] = records()
    assert (record.completed, record.usage_source) == (False, "none")


def test_a_failing_read_is_recorded_and_raised() -> None:
    body = _stubbed({"usage": USAGE}, content_length=10_000)
    with pytest.raises(IncompleteReadError):
        body.read()
    [record] = records()
    assert (record.status, record.completed, record.error_code) == (
        "error",
        False,
        "IncompleteReadError",
    )


def test_usage_past_the_buffer_bound_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bodies, "MAX_BUFFER", 16)
    body = _stubbed({"usage": USAGE, "content": [{"type": "text", "text": "x" * 100}]})
    assert json.loads(body.read())["usage"] == USAGE  # the caller still gets every byte
    [record] = records()
    assert (record.completed, record.usage_source) == (True, "none")


def _headers(**counts: int) -> dict[str, str]:
    names = {
        "input": "X-Amzn-Bedrock-Input-Token-Count",
        "output": "X-Amzn-Bedrock-Output-Token-Count",
        "read": "X-Amzn-Bedrock-Cache-Read-Input-Token-Count",
    }
    return {names[k]: str(v) for k, v in counts.items()}


def test_headers_without_cache_counts_defer_to_the_body() -> None:
    bch.install()
    client = bch_client()
    payload = {"content": [], "usage": USAGE}
    respond_with(client, lambda r: json_response(payload, headers=_headers(input=10, output=3)))
    response = client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))
    assert records() == []
    response["body"].read()
    [record] = records()
    assert (record.usage_source, record.cache_read_tokens) == ("body", 2000)


def test_body_without_usage_falls_back_to_the_headers() -> None:
    bch.install()
    client = bch_client()
    payload = {"generation": "hi", "prompt_token_count": 10}
    respond_with(client, lambda r: json_response(payload, headers=_headers(input=10, output=3)))
    response = client.invoke_model(modelId=LLAMA, body=json.dumps({"prompt": "hi"}))
    response["body"].read()
    [record] = records()
    assert (record.usage_source, record.input_tokens, record.output_tokens) == ("headers", 10, 3)


def bch_client() -> Any:
    return boto3.client("bedrock-runtime", region_name=REGION)


def test_http_error_is_recorded() -> None:
    bch.install()
    sim, _ = sim_client()
    client = sim.client(config=Config(retries={"total_max_attempts": 1}))
    sim.fail_next("throttle")
    with pytest.raises(client.exceptions.ThrottlingException):
        client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))
    [record] = records()
    assert (record.status, record.error_code) == ("error", "ThrottlingException")
