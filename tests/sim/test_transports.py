"""Two transports, same bytes: in-process ``before-send`` and the loopback server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.eventstream import EventStreamBuffer

from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.engine import WireRequest
from bedrock_cache_hook.sim.transport import to_aws_response, to_wire_request

from .kit import (
    EPHEMERAL,
    NO_RETRY,
    POINT,
    SONNET_45,
    anthropic_body,
    converse,
    text,
    usage_of,
    user,
    words,
)

S = 1100
REQUEST = converse(system=[text(S), POINT], messages=[user({"text": "What now?"})])
BODY = anthropic_body(
    system=[{"type": "text", "text": words(S), "cache_control": EPHEMERAL}],
    messages=[{"role": "user", "content": "What now?"}],
)


LOADER = botocore.loaders.create_loader()


def session() -> Any:
    """A fresh boto3 session sharing one model loader (loading models is the slow part)."""
    core = botocore.session.Session()
    core.register_component("data_loader", LOADER)
    return boto3.session.Session(botocore_session=core)


def remote(url: str, **kwargs: Any) -> Any:
    """A real boto3 client pointed at ``url`` (a fresh session, dummy credentials)."""
    return session().client(
        "bedrock-runtime",
        region_name=kwargs.pop("region_name", "us-east-1"),
        endpoint_url=url,
        aws_access_key_id="SIMULATOR",
        aws_secret_access_key="simulator-secret",
        config=NO_RETRY,
        **kwargs,
    )


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator()
    with sim.serve() as server:
        assert server.url.startswith("http://127.0.0.1:")
        yield sim, server.url


def all_four(client: Any) -> list[Any]:
    """One call of each operation, streams fully read; returns comparable results."""
    results: list[Any] = []
    reply = client.converse(**REQUEST)
    results.append((reply["output"], reply["usage"], reply["metrics"]))
    results.append(list(client.converse_stream(**REQUEST)["stream"]))
    response = client.invoke_model(modelId=SONNET_45, body=BODY)
    results.append(json.loads(response["body"].read()))
    stream = client.invoke_model_with_response_stream(modelId=SONNET_45, body=BODY)
    results.append([json.loads(e["chunk"]["bytes"]) for e in stream["body"]])
    return results


def test_the_server_answers_all_four_operations(served: tuple[Simulator, str]) -> None:
    sim, url = served
    client = remote(url)
    results = all_four(client)
    assert results[0][1]["cacheWriteInputTokens"] == S
    assert results[1][-1]["metadata"]["usage"]["cacheReadInputTokens"] == S
    assert results[2]["usage"]["cache_read_input_tokens"] == S
    metrics = results[3][-1]["amazon-bedrock-invocationMetrics"]
    assert metrics["cacheReadInputTokenCount"] == S
    assert [c.operation for c in sim.calls()] == [
        "Converse",
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ]


def test_both_transports_give_the_same_results() -> None:
    in_process = Simulator()
    looped = Simulator()
    with looped.serve() as server:
        assert all_four(in_process.client(config=NO_RETRY)) == all_four(remote(server.url))
    assert in_process.calls() == looped.calls()


def recorded_requests() -> list[WireRequest]:
    """The four operations as botocore serializes and signs them."""
    sim = Simulator()
    client = sim.client(config=NO_RETRY)
    seen: list[WireRequest] = []

    def record(request: Any, **_: Any) -> None:
        seen.append(to_wire_request(request))

    client.meta.events.register_first("before-send.bedrock-runtime", record)
    all_four(client)
    return seen


def over_http(url: str, request: WireRequest) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request(request.method, request.path, request.body, dict(request.headers))
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


def test_both_transports_send_the_same_bytes() -> None:
    requests = recorded_requests()
    assert len(requests) == 4
    in_process = Simulator()
    looped = Simulator()
    with looped.serve() as server:
        for request in requests:
            response = to_aws_response("http://sim", in_process.engine.handle(request))
            local_body = response.raw.read()
            status, headers, body = over_http(server.url, request)
            assert status == response.status_code == 200
            assert headers == {k.lower(): v for k, v in response.headers.items()}
            assert body == local_body
    # the streams are real AWS event-stream frames that botocore's own parser decodes
    frames = list(_decode(body))
    assert [f.headers[":event-type"] for f in frames] == ["chunk"] * len(frames)
    assert all(f.headers[":message-type"] == "event" for f in frames)


def _decode(data: bytes) -> Iterator[Any]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    yield from buffer


def test_endpoint_from_the_environment(
    served: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, url = served
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    client = session().client(
        "bedrock-runtime",
        region_name="eu-central-1",
        aws_access_key_id="SIMULATOR",
        aws_secret_access_key="simulator-secret",
        config=NO_RETRY,
    )
    assert client.meta.endpoint_url == url
    assert usage_of(client.converse(**REQUEST))[2] == S
    assert sim.last_call().region == "eu-central-1"  # from the SigV4 credential scope


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [
        ("throttle", "ThrottlingException", 429),
        ("server_error", "InternalServerException", 500),
        ("unavailable", "ServiceUnavailableException", 503),
    ],
)
def test_server_errors_map_to_modelled_exceptions(
    served: tuple[Simulator, str], kind: Any, code: str, status: int
) -> None:
    sim, url = served
    client = remote(url)
    sim.fail_next(kind)
    with pytest.raises(getattr(client.exceptions, code)) as raised:
        client.converse(**REQUEST)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert usage_of(client.converse(**REQUEST))[2] == S


def test_validation_errors_over_the_server(served: tuple[Simulator, str]) -> None:
    _, url = served
    client = remote(url)
    five = converse(system=[text(5), POINT, text(5, "agent"), POINT, text(5, "tools"), POINT])
    five["messages"] = [user(text(5), POINT, text(5, "write"), POINT)]
    with pytest.raises(client.exceptions.ValidationException) as raised:
        client.converse(**five)
    assert raised.value.response["Error"]["Message"].endswith("Found 5.")


def test_a_stream_cut_over_the_server(served: tuple[Simulator, str]) -> None:
    sim, url = served
    client = remote(url)
    sim.fail_next("stream_cut")
    events: list[Any] = []
    with pytest.raises(Exception, match="IncompleteRead") as raised:
        events.extend(client.converse_stream(**REQUEST)["stream"])
    assert type(raised.value).__name__ == "ProtocolError"
    assert events
    assert "metadata" not in events[-1]
    # the connection pool recovers: the next call works
    assert usage_of(client.converse(**REQUEST))[1] == S


def test_unknown_paths_are_404(served: tuple[Simulator, str]) -> None:
    _, url = served
    status, headers, body = over_http(url, WireRequest("GET", "/foundation-models", {}, b""))
    assert status == 404
    assert headers["x-amzn-errortype"].startswith("UnknownOperationException:")
    assert "message" in json.loads(body)


def test_concurrent_clients_share_one_cache(served: tuple[Simulator, str]) -> None:
    sim, url = served
    client = remote(url)
    client.converse(**REQUEST)
    reads: list[int] = []

    def call() -> None:
        reads.append(usage_of(client.converse(**REQUEST))[1])

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads == [S] * 6
    assert sim.stats().calls == 7


def test_close_stops_the_server() -> None:
    server = Simulator().serve()
    url = server.url
    server.close()
    server.close()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        over_http(url, WireRequest("POST", f"/model/{SONNET_45}/converse", {}, b"{}"))


def test_serve_command() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bedrock_cache_hook", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert usage_of(remote(url).converse(**REQUEST))[2] == S
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:" in err
