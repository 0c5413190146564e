"""The simulator's SigV4 check and its Anthropic Messages API route (/anthropic/v1/messages)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim.simulator import DUMMY_KEY_ID, DUMMY_SECRET

MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
LONG = "stable instructions for the assistant, repeated to pass the minimum. " * 200


def _signed(
    url: str,
    body: bytes,
    *,
    key: str = DUMMY_KEY_ID,
    secret: str = DUMMY_SECRET,
    service: str = "bedrock",
) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read().decode()


def _messages_body(**extra: Any) -> bytes:
    body = {
        "model": MODEL,
        "max_tokens": 32,
        "system": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hello"}],
        **extra,
    }
    return json.dumps(body).encode()


def _invoke_body() -> bytes:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "hi"}],
    }
    return json.dumps(body).encode()


def test_a_botocore_client_signature_verifies_over_both_transports() -> None:
    sim = Simulator(verify_signatures=True)
    client = sim.client()
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    with sim.serve() as server:
        looped = sim.client(endpoint_url=server.url)
        sim.detach(looped)
        looped.invoke_model(modelId=MODEL, body=_invoke_body())
    assert [c.status for c in sim.calls()] == [200, 200]


def test_a_body_changed_after_signing_fails_as_on_bedrock() -> None:
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        url = f"{server.url}/model/{MODEL}/invoke"
        headers = _signed(url, _invoke_body())
        status, _, _ = _post(url, _invoke_body(), headers)
        assert status == 200
        changed = _invoke_body().replace(b'"hi"', b'"ho"')
        without_hash = {k: v for k, v in headers.items() if k.lower() != "x-amz-content-sha256"}
        status, reply_headers, text = _post(url, changed, without_hash)
    assert status == 403
    assert reply_headers["x-amzn-ErrorType"].startswith("InvalidSignatureException:")
    assert "signature we calculated does not match" in json.loads(text)["message"]
    assert sim.last_call().error_code == "InvalidSignatureException"


def test_wrong_secret_unknown_key_and_payload_hash() -> None:
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        url = f"{server.url}/model/{MODEL}/invoke"
        body = _invoke_body()
        wrong = _post(url, body, _signed(url, body, secret="not-the-secret"))
        unknown = _post(url, body, _signed(url, body, key="AKIDUNKNOWN"))
        hashed = _signed(url, body)
        hashed["X-Amz-Content-SHA256"] = "0" * 64
        bad_hash = _post(url, body, hashed)
    assert wrong[0] == 403 and "InvalidSignatureException" in wrong[1]["x-amzn-ErrorType"]
    assert unknown[0] == 403 and "UnrecognizedClientException" in unknown[1]["x-amzn-ErrorType"]
    assert bad_hash[0] == 400


def test_unsigned_and_bearer_requests_are_accepted() -> None:
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        url = f"{server.url}/model/{MODEL}/invoke"
        plain = _post(url, _invoke_body(), {"Content-Type": "application/json"})
        bearer = _post(url, _invoke_body(), {"Authorization": "Bearer ABSK-dummy"})
    assert plain[0] == bearer[0] == 200


def test_verification_is_off_by_default() -> None:
    sim = Simulator()
    with sim.serve() as server:
        url = f"{server.url}/model/{MODEL}/invoke"
        status, _, _ = _post(url, _invoke_body(), _signed(url, _invoke_body(), secret="x"))
    assert status == 200


def test_a_tampering_before_send_handler_is_refused_in_process() -> None:
    sim = Simulator(verify_signatures=True)
    client = sim.client()

    def tamper(request: Any, **_: Any) -> None:
        request.body = request.body.replace(b'"hi"', b'"ho"')

    client.meta.events.register_first("before-send.bedrock-runtime", tamper)
    with pytest.raises(ClientError) as caught:
        client.invoke_model(modelId=MODEL, body=_invoke_body())
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("service", ["bedrock", "bedrock-mantle"])
def test_messages_route_caches_on_the_second_call(service: str) -> None:
    sim = Simulator(verify_signatures=True)
    with sim.serve() as server:
        url = f"{server.url}/anthropic/v1/messages"
        results = [
            _post(url, _messages_body(), _signed(url, _messages_body(), service=service))
            for _ in range(2)
        ]
    first, second = (json.loads(text) for _, _, text in results)
    assert [status for status, _, _ in results] == [200, 200]
    assert first["type"] == "message" and first["content"][0]["type"] == "text"
    assert first["usage"]["cache_creation_input_tokens"] > 0
    assert (
        second["usage"]["cache_read_input_tokens"] == first["usage"]["cache_creation_input_tokens"]
    )
    assert [c.operation for c in sim.calls()] == ["Messages", "Messages"]
    assert sim.last_call().model_id == MODEL


def test_messages_route_streams_server_sent_events() -> None:
    sim = Simulator()
    with sim.serve() as server:
        url = f"{server.url}/anthropic/v1/messages?beta=true"
        status, headers, text = _post(url, _messages_body(stream=True), {})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = [
        json.loads(line.removeprefix("data: "))
        for line in text.splitlines()
        if line.startswith("data: ")
    ]
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    assert events[0]["message"]["usage"]["cache_creation_input_tokens"] > 0
    assert sim.last_call().operation == "MessagesStream"


def test_messages_route_errors_in_anthropic_shape() -> None:
    sim = Simulator()
    with sim.serve() as server:
        url = f"{server.url}/anthropic/v1/messages"
        status, _, text = _post(url, _messages_body(cache_control={"type": "ephemeral"}), {})
        missing, _, _ = _post(url, json.dumps({"messages": []}).encode(), {})
    assert status == 400
    assert json.loads(text)["type"] == "error"
    assert json.loads(text)["error"]["type"] == "invalid_request_error"
    assert missing == 400
