"""The Stubber story: asserting on an injected InvokeModel body with the testing helpers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from botocore.stub import ANY, StubAssertionError, Stubber

import bedrock_cache_hook as bch
from bedrock_cache_hook.testing import JsonBody, capture_requests, invoke_response

from .kit import SONNET_45, anthropic_body, cache_controls, sim_client

EXPECTED = ["tools[11]", "system[0]", "messages[5].content[0]"]
USAGE = {"input_tokens": 9, "output_tokens": 2, "cache_read_input_tokens": 4000}


def test_capture_with_stub_any() -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    body = json.dumps(anthropic_body())
    with capture_requests(client) as captured, Stubber(client) as stub:
        stub.add_response(
            "invoke_model",
            invoke_response({"content": [], "usage": USAGE}),
            {"modelId": SONNET_45, "body": ANY},
        )
        response = client.invoke_model(modelId=SONNET_45, body=body)
        stub.assert_no_pending_responses()
    assert captured.last.operation == "InvokeModel"
    assert captured.last.markers == EXPECTED
    assert cache_controls(captured.last.json) == EXPECTED
    assert json.loads(response["body"].read())["usage"] == USAGE
    [record] = bch.get_ledger().records()
    assert (record.usage_source, record.cache_read_tokens, record.injected) == ("body", 4000, 3)


def test_json_body_matcher_as_expected_params() -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    matcher = JsonBody(where=lambda sent: cache_controls(sent) == EXPECTED)
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_model", invoke_response({}), {"modelId": SONNET_45, "body": matcher}
        )
        client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))
    assert matcher.received["anthropic_version"] == "bedrock-2023-05-31"


def test_json_body_mismatch_fails_the_stubber() -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    unchanged = anthropic_body()
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_model", invoke_response({}), {"modelId": SONNET_45, "body": JsonBody(unchanged)}
        )
        with pytest.raises(StubAssertionError):
            client.invoke_model(modelId=SONNET_45, body=json.dumps(unchanged))
    assert repr(JsonBody()) == "JsonBody(any JSON)"
    assert JsonBody() != b"not json"


def test_capture_sees_exactly_what_is_sent_without_the_hook_too() -> None:
    _, client = sim_client()
    body = io.BytesIO(json.dumps(anthropic_body()).encode())
    with capture_requests(client) as captured:
        client.invoke_model(modelId=SONNET_45, body=body)
        client.converse(modelId=SONNET_45, messages=[{"role": "user", "content": [{"text": "x"}]}])
    assert [c.operation for c in captured] == ["InvokeModel", "Converse"]
    assert captured[0].markers == []
    assert captured[0].json == anthropic_body()
    assert captured[1].body is None
    client.invoke_model(modelId=SONNET_45, body=json.dumps(anthropic_body()))
    assert len(captured) == 2  # unregistered on exit


def test_last_without_capture_is_an_assertion() -> None:
    _, client = sim_client()
    with capture_requests(client) as captured, pytest.raises(AssertionError):
        _ = captured.last


def test_the_readme_stubber_example_runs_as_written() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("**Stubber.**", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    bch.install(mode="inject")
    _, client = sim_client()
    namespace = {"client": client, "MODEL_ID": SONNET_45, "body": json.dumps(anthropic_body())}
    exec(compile(snippet, "README.md", "exec"), namespace)
    assert namespace["captured"].last.markers == EXPECTED
