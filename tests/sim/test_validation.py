"""Bedrock's rejections: same status, error code and message text, through real boto3 clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_cache_hook.sim import SimModel
from bedrock_cache_hook.sim.errors import (
    EXTRA_INPUTS,
    INVALID_MODEL,
    MAX_MARKERS,
    MODEL_ERRORS,
    NON_PDF_DOCUMENT,
    TTL_ORDER,
    UNSUPPORTED_MODEL,
)

from .kit import (
    CLAUDE_3_HAIKU,
    EPHEMERAL,
    LLAMA,
    NOVA_PRO,
    POINT,
    POINT_1H,
    SONNET_4,
    SONNET_45,
    anthropic_body,
    assistant,
    converse,
    new,
    text,
    tool,
    user,
)


def rejected(call: Any, **params: Any) -> dict[str, Any]:
    """Call, expect a ValidationException (as botocore's modelled class), return its response."""
    client = call.__self__
    with pytest.raises(client.exceptions.ValidationException) as raised:
        call(**params)
    response: dict[str, Any] = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationException"
    return response


def denied(call: Any, **params: Any) -> dict[str, Any]:
    """Call, expect an AccessDeniedException (403), return its response."""
    client = call.__self__
    with pytest.raises(client.exceptions.AccessDeniedException) as raised:
        call(**params)
    response: dict[str, Any] = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return response


def message(response: dict[str, Any]) -> str:
    return str(response["Error"]["Message"])


def test_five_markers() -> None:
    _, client = new()
    request = converse(
        system=[text(10), POINT, text(10, "tools"), POINT],
        messages=[user(text(5), POINT, text(5, "agent"), POINT, text(5, "write"), POINT)],
    )
    assert message(rejected(client.converse, **request)) == MAX_MARKERS.format(found=5)
    assert message(rejected(client.converse, **request)).endswith("Found 5.")
    # four are fine
    request["messages"] = [user(text(5), POINT, text(5, "agent"))]
    client.converse(**request)


def test_five_anthropic_markers() -> None:
    _, client = new()
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": EPHEMERAL} for i in range(5)]
    body = anthropic_body(messages=[{"role": "user", "content": blocks}])
    response = rejected(client.invoke_model, modelId=SONNET_45, body=body)
    # InvokeModel passes the model's own validation error on behind Bedrock's prefix
    assert message(response) == (
        "The model returned the following errors: "
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    )


def test_nova_tool_marker_converse() -> None:
    _, client = new()
    request = converse(NOVA_PRO, toolConfig={"tools": [tool(), POINT]})
    assert message(rejected(client.converse, **request)) == (
        "Malformed input request: #/toolConfig/tools/1: extraneous key [cachePoint] is not "
        "permitted, please reformat your input and try again."
    )


def test_nova_tool_marker_invoke_body() -> None:
    _, client = new()
    body = {
        "toolConfig": {"tools": [{**tool(), "cachePoint": {"type": "default"}}]},
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }
    response = rejected(client.invoke_model, modelId=f"us.{NOVA_PRO}", body=json.dumps(body))
    assert message(response) == (
        "Malformed input request: #/toolConfig/tools/0: extraneous key [cachePoint] is not "
        "permitted, please reformat your input and try again."
    )


def test_marker_after_a_reasoning_block() -> None:
    _, client = new()
    reasoning = {"reasoningContent": {"reasoningText": {"text": "Hmm.", "signature": "sig"}}}
    request = converse(
        messages=[user({"text": "Q"}), assistant(reasoning, POINT), user({"text": "Go on"})]
    )
    assert message(rejected(client.converse, **request)) == (
        "Cache point cannot be inserted after reasoning block. Please remove the invalid cache "
        "point and try again."
    )


def test_marker_on_an_anthropic_thinking_block() -> None:
    _, client = new()
    thinking = {
        "type": "thinking",
        "thinking": "Hmm.",
        "signature": "sig",
        "cache_control": EPHEMERAL,
    }
    body = anthropic_body(
        messages=[
            {"role": "user", "content": "Q"},
            {"role": "assistant", "content": [thinking, {"type": "text", "text": "A"}]},
            {"role": "user", "content": "Go on"},
        ]
    )
    response = rejected(client.invoke_model, modelId=SONNET_45, body=body)
    assert message(response) == MODEL_ERRORS.format(
        message=EXTRA_INPUTS.format(path="messages.1.content.0.thinking.cache_control")
    )


def test_marker_after_a_non_pdf_document() -> None:
    _, client = new()
    document = {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"hello"}}}
    request = converse(messages=[user({"text": "Read this"}, document, POINT)])
    response = rejected(client.converse, **request)
    assert message(response) == NON_PDF_DOCUMENT.format(message=0, index=2)
    pdf = {"document": {"format": "pdf", "name": "notes", "source": {"bytes": b"%PDF-1.4"}}}
    client.converse(**converse(messages=[user({"text": "Read this"}, pdf, POINT)]))


@pytest.mark.parametrize("model_id", [LLAMA, "mistral.mistral-large-2407-v1:0", CLAUDE_3_HAIKU])
def test_markers_for_a_model_that_cannot_cache(model_id: str) -> None:
    _, client = new()
    request = converse(model_id, system=[text(10), POINT])
    assert message(denied(client.converse, **request)) == (
        "You invoked an unsupported model or your request did not allow prompt caching."
    )
    # without markers the same model answers
    assert client.converse(**converse(model_id, system=[text(10)]))["usage"]["inputTokens"] > 0


def test_markers_for_a_non_caching_claude_invoke_body() -> None:
    _, client = new()
    body = anthropic_body(system=[{"type": "text", "text": "x", "cache_control": EPHEMERAL}])
    body = json.dumps({**json.loads(body), "messages": [{"role": "user", "content": "hi"}]})
    response = denied(client.invoke_model, modelId=CLAUDE_3_HAIKU, body=body)
    assert message(response) == UNSUPPORTED_MODEL


def test_one_hour_after_five_minutes() -> None:
    _, client = new()
    request = converse(system=[text(10), POINT], messages=[user(text(5), POINT_1H)])
    assert message(rejected(client.converse, **request)) == (
        "messages.0.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come "
        "after a ttl='5m' cache_control block. Note that blocks are processed in the following "
        "order: tools, system, messages."
    )
    later = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    body = anthropic_body(
        system=[{"type": "text", "text": "s", "cache_control": EPHEMERAL}],
        messages=[
            {"role": "user", "content": "Q"},
            {"role": "assistant", "content": "A"},
            {"role": "user", "content": [{"type": "text", "text": "y"}, later]},
        ],
    )
    response = rejected(client.invoke_model, modelId=SONNET_45, body=body)
    assert message(response) == MODEL_ERRORS.format(
        message=TTL_ORDER.format(path="messages.2.content.1.cache_control.ttl")
    )
    # the other way round is fine
    client.converse(**converse(system=[text(10), POINT_1H], messages=[user(text(5), POINT)]))


def test_one_hour_on_a_five_minute_model() -> None:
    _, client = new()
    # Claude models without the 1h TTL refuse the field itself
    response = rejected(client.converse, **converse(SONNET_4, system=[text(10), POINT_1H]))
    assert message(response) == "system.0.cache_control.ttl: Extra inputs are not permitted"
    body = anthropic_body(
        system=[{"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        messages=[{"role": "user", "content": "hi"}],
    )
    assert message(rejected(client.invoke_model, modelId=SONNET_4, body=body)) == (
        "The model returned the following errors: "
        "system.0.cache_control.ttl: Extra inputs are not permitted"
    )


def test_one_hour_on_nova() -> None:
    _, client = new()
    response = rejected(client.converse, **converse(NOVA_PRO, system=[text(10), POINT_1H]))
    assert message(response) == "Extended TTL prompt caching is only supported for Anthropic models"


def test_top_level_cache_control() -> None:
    _, client = new()
    body = anthropic_body(cache_control=EPHEMERAL, messages=[{"role": "user", "content": "hi"}])
    response = rejected(client.invoke_model, modelId=SONNET_45, body=body)
    assert message(response) == (
        "The model returned the following errors: cache_control: Extra inputs are not permitted"
    )


def test_marker_on_an_empty_text_block() -> None:
    _, client = new()
    empty = {"type": "text", "text": "", "cache_control": EPHEMERAL}
    body = anthropic_body(messages=[{"role": "user", "content": [empty]}])
    response = rejected(client.invoke_model, modelId=SONNET_45, body=body)
    assert "cache_control cannot be set for empty text blocks" in message(response)


def test_cache_point_enum_values_are_checked_by_the_service() -> None:
    _, client = new()
    bogus = {"cachePoint": {"type": "bogus"}}
    response = rejected(client.converse, **converse(system=[text(10), bogus]))
    assert "Value 'bogus'" in message(response)
    assert "Member must satisfy enum value set: [default]" in message(response)


@pytest.mark.parametrize(
    "model_id",
    [
        "unknown.model-v1",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
    ],
)
def test_unknown_model_ids(model_id: str) -> None:
    _, client = new()
    assert message(rejected(client.converse, **converse(model_id))) == INVALID_MODEL


def test_an_application_profile_mapped_by_the_user_caches() -> None:
    app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
    _, client = new(models={app: f"us.{SONNET_45}", "my.model": SimModel("mine", min_tokens=5)})
    request = converse(app, system=[text(1100), POINT])
    assert client.converse(**request)["usage"]["cacheWriteInputTokens"] == 1100
    assert (
        client.converse(**{**request, "modelId": SONNET_45})["usage"]["cacheReadInputTokens"]
        == 1100
    )
    # a user-defined model without TTLs cannot cache
    assert message(denied(client.converse, **converse("my.model", system=[text(10), POINT])))


def test_malformed_invoke_bodies() -> None:
    _, client = new()
    assert message(rejected(client.invoke_model, modelId=SONNET_45, body=b"not json")).startswith(
        "Malformed input request"
    )
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5})
    assert "messages" in message(rejected(client.invoke_model, modelId=SONNET_45, body=body))


def test_a_rejected_request_leaves_the_cache_alone() -> None:
    sim, client = new()
    request = converse(system=[text(1100), POINT], messages=[user(text(5), POINT_1H)])
    rejected(client.converse, **request)
    assert sim.stats().live_entries == 0
    assert sim.last_call().status == 400
    assert sim.last_call().error_code == "ValidationException"
