"""Property tests over generated Converse requests with every block kind."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bedrock_cache_hook as bch
from bedrock_cache_hook.request.processor import RequestProcessor
from bedrock_cache_hook.settings.fields import Settings
from tests.support import APP_PROFILE, LLAMA, NOVA_PRO, SONNET_45, prose

MODELS = [
    SONNET_45,
    NOVA_PRO,
    LLAMA,
    APP_PROFILE,
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
]
_CLIENT = boto3.client(
    "bedrock-runtime",
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
OPERATION = _CLIENT.meta.service_model.operation_model("Converse")

ttl = st.sampled_from([None, "5m", "1h"])


@st.composite
def marker(draw: st.DrawFn) -> dict[str, Any]:
    point: dict[str, Any] = {"type": "default"}
    value = draw(ttl)
    if value is not None:
        point["ttl"] = value
    return {"cachePoint": point}


text_block = st.builds(lambda n, s: {"text": prose(n, s)}, st.integers(1, 900), st.integers(0, 9))
image_block = st.just(
    {"image": {"format": "png", "source": {"bytes": b"\x89PNG\r\n\x1a\n" + b"\0" * 20}}}
)
document_block = st.sampled_from(
    [
        {"document": {"format": "pdf", "name": "a", "source": {"bytes": b"%PDF /Type /Page"}}},
        {"document": {"format": "txt", "name": "b", "source": {"bytes": b"plain text " * 50}}},
    ]
)
tool_use = st.builds(
    lambda i: {"toolUse": {"toolUseId": f"t{i}", "name": "lookup", "input": {"q": prose(5, i)}}},
    st.integers(0, 9),
)
tool_result = st.builds(
    lambda i, inner: {"toolResult": {"toolUseId": f"t{i}", "content": inner}},
    st.integers(0, 9),
    st.lists(
        st.one_of(
            st.builds(lambda n: {"text": prose(n)}, st.integers(1, 300)),
            st.just({"json": {"rows": [1, 2, 3]}}),
        ),
        min_size=1,
        max_size=3,
    ),
)
reasoning = st.just({"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "s"}}})
guard = st.just({"guardContent": {"text": {"text": "guarded"}}})
content_block = st.one_of(
    text_block, text_block, image_block, document_block, tool_use, tool_result, reasoning, marker()
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    model_id = draw(st.sampled_from(MODELS))
    turns = draw(st.integers(1, 7))
    messages = []
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        content = draw(st.lists(content_block, min_size=1, max_size=6))
        messages.append({"role": role, "content": content})
    request: dict[str, Any] = {"modelId": model_id, "messages": messages}
    system = draw(st.lists(st.one_of(text_block, guard, marker()), max_size=4))
    if system:
        request["system"] = system
    tools = draw(
        st.lists(
            st.one_of(
                st.builds(
                    lambda i, n: {
                        "toolSpec": {
                            "name": f"tool{i}",
                            "description": prose(n, i),
                            "inputSchema": {"json": {"type": "object"}},
                        }
                    },
                    st.integers(0, 99),
                    st.integers(1, 400),
                ),
                marker(),
            ),
            max_size=6,
        )
    )
    if tools:
        request["toolConfig"] = {"tools": tools}
    return request


def valid(params: dict[str, Any]) -> bool:
    try:
        validate_parameters(params, OPERATION.input_shape)
    except ParamValidationError:
        return False
    return True


def error_codes(params: dict[str, Any]) -> set[str]:
    return {f.code for f in bch.audit("converse", params).findings if f.severity == "error"}


def count(params: dict[str, Any]) -> int:
    return len(bch.audit("converse", params).markers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.sampled_from(["5m", "1h", "auto"]), st.sampled_from(["adaptive", "always"]))
def test_injection_properties(request: dict[str, Any], ttl_policy: str, tail: str) -> None:
    original = copy.deepcopy(request)
    params = dict(request)
    config = Settings(mode="inject", ttl=ttl_policy, tail_policy=tail)  # type: ignore[arg-type]
    outcome = RequestProcessor().process("Converse", params, OPERATION, config, now=0.0)
    # the caller's objects are untouched at any depth
    assert request == original
    before, after = count(original), count(params)
    assert outcome.injected == after - before
    # never more than 4 (a caller already over 4 gets nothing more)
    assert after <= max(4, before)
    if before >= 4:
        assert after == before
    # botocore accepts the output whenever it accepted the input
    if valid(original):
        assert valid(params)
    # nothing we add creates an error Bedrock or botocore would raise
    assert error_codes(params) - {"no-marker"} <= error_codes(original) - {"no-marker"}
    # idempotent: planning the output again adds nothing
    again = dict(params)
    second = RequestProcessor().process("Converse", again, OPERATION, config, now=0.0)
    assert second.injected == 0
    assert again == params


@settings(max_examples=60, deadline=None)
@given(requests())
def test_audit_and_strict_never_change_the_request(request: dict[str, Any]) -> None:
    for mode in ("audit", "strict"):
        params = dict(request)
        try:
            RequestProcessor().process("Converse", params, OPERATION, Settings(mode=mode), 0.0)  # type: ignore[arg-type]
        except bch.CacheAuditError as refused:
            assert mode == "strict"
            assert all(f.severity == "error" for f in refused.findings)  # type: ignore[attr-defined]
        assert params == request


def test_strategies_reach_every_block_kind() -> None:
    kinds: set[str] = set()

    @settings(max_examples=200, deadline=None)
    @given(requests())
    def collect(request: dict[str, Any]) -> None:
        for message in request["messages"]:
            for block in message["content"]:
                kinds.add(next(iter(block)))

    collect()
    assert kinds >= {
        "text",
        "image",
        "document",
        "toolUse",
        "toolResult",
        "reasoningContent",
        "cachePoint",
    }


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
