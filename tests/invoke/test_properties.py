"""Property tests over generated Anthropic (and Nova) InvokeModel bodies in every body form."""

from __future__ import annotations

import base64
import copy
import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bedrock_cache_hook as bch
from bedrock_cache_hook.request.processor import RequestProcessor
from bedrock_cache_hook.settings.fields import Settings
from tests.support import APP_PROFILE, prose

from .kit import HAIKU_35, NOVA_PRO, SONNET_45, VERSION

MODELS = [
    SONNET_45,
    SONNET_45,
    HAIKU_35,
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",  # Claude that cannot cache
    APP_PROFILE,
]
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + b"\0\0\x02\0\0\0\x02\0").decode()

ttl = st.sampled_from([None, "5m", "1h"])


@st.composite
def control(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["ok", "ok", "ok", "null", "no-type", "bad-type"]))
    if kind == "null":
        return None
    if kind == "no-type":
        return {}
    value: dict[str, Any] = {"type": "ephemeral" if kind == "ok" else "persistent"}
    chosen = draw(ttl)
    if chosen is not None:
        value["ttl"] = chosen
    return value


def maybe_marked(block: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value = dict(draw(block))
        if draw(st.integers(0, 5)) == 0:
            value["cache_control"] = draw(control())
        return value

    return build()


words = st.integers(0, 700)
text = st.one_of(
    st.builds(lambda n, s: {"type": "text", "text": prose(n, s)}, words, st.integers(0, 9)),
    st.builds(lambda t: {"type": "text", "text": t}, st.text(max_size=30)),  # any code point
    st.builds(  # a lone surrogate: a valid JSON escape that UTF-8 cannot carry
        lambda a, c, b: {"type": "text", "text": a + c + b},
        st.text(max_size=8),
        st.characters(categories=["Cs"]),
        st.text(max_size=8),
    ),
)
thinking = st.just({"type": "thinking", "thinking": prose(40), "signature": "sig"})
redacted = st.just({"type": "redacted_thinking", "data": "opaque"})
image = st.just(
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
)
document = st.builds(
    lambda n: {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": prose(n)},
    },
    st.integers(1, 500),
)
tool_use = st.builds(
    lambda i: {"type": "tool_use", "id": f"t{i}", "name": "lookup", "input": {"q": prose(4, i)}},
    st.integers(0, 9),
)
tool_result = st.builds(
    lambda i, inner: {"type": "tool_result", "tool_use_id": f"t{i}", "content": inner},
    st.integers(0, 9),
    st.one_of(st.builds(prose, st.integers(1, 200)), st.lists(maybe_marked(text), max_size=2)),
)
block = maybe_marked(
    st.one_of(text, text, text, thinking, redacted, image, document, tool_use, tool_result)
)
tool = maybe_marked(
    st.builds(
        lambda i, n: {
            "name": f"tool_{i}",
            "description": prose(n, i),
            "input_schema": {"type": "object"},
        },
        st.integers(0, 99),
        st.integers(1, 300),
    )
)


@st.composite
def anthropic_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"anthropic_version": VERSION, "max_tokens": 64}
    messages = []
    for i in range(draw(st.integers(1, 7))):
        role = "user" if i % 2 == 0 else "assistant"
        if draw(st.booleans()):
            messages.append({"role": role, "content": prose(draw(words), i)})
        else:
            messages.append(
                {"role": role, "content": draw(st.lists(block, min_size=1, max_size=5))}
            )
    body["messages"] = messages
    system = draw(
        st.one_of(
            st.none(),
            st.builds(prose, st.integers(0, 1500)),
            st.lists(maybe_marked(text), max_size=3),
        )
    )
    if system is not None:
        body["system"] = system
    tools = draw(st.lists(tool, max_size=6))
    if tools:
        body["tools"] = tools
    if draw(st.integers(0, 9)) == 0:
        body["cache_control"] = {"type": "ephemeral"}
    if draw(st.integers(0, 4)) == 0:
        body["anthropic_beta"] = draw(
            st.lists(
                st.sampled_from(
                    ["prompt-caching-2024-07-31", "interleaved-thinking-2025-05-14", "cache-x"]
                ),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        body["tool_choice"] = {"type": "auto"}
    return body


def as_form(raw: bytes, form: str) -> Any:
    if form == "str":
        return raw.decode()
    if form == "bytearray":
        return bytearray(raw)
    if form == "bytesio":
        stream = io.BytesIO(b"##" + raw)
        stream.seek(2)
        return stream
    return raw


def snapshot(body: Any) -> Any:
    if isinstance(body, io.BytesIO):
        return (body.tell(), body.getvalue())
    return copy.copy(body)


def audit_codes(model_id: str, body: Any) -> set[str]:
    report = bch.audit("invoke_model", {"modelId": model_id, "body": body})
    return {f.code for f in report.findings if f.severity == "error"}


def markers(model_id: str, body: Any) -> int:
    return len(bch.audit("invoke_model", {"modelId": model_id, "body": body}).markers)


def process(params: dict[str, Any], config: Settings) -> Any:
    return RequestProcessor().process("InvokeModel", params, None, config, now=0.0)


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    anthropic_bodies(),
    st.sampled_from(MODELS),
    st.sampled_from(["bytes", "str", "bytearray", "bytesio"]),
    st.sampled_from(["5m", "1h", "auto"]),
    st.sampled_from(["adaptive", "always"]),
)
def test_injection_properties(
    payload: dict[str, Any], model_id: str, form: str, ttl_policy: str, tail: str
) -> None:
    raw = json.dumps(payload).encode()
    caller = as_form(raw, form)
    before_state = snapshot(caller)
    params: dict[str, Any] = {"modelId": model_id, "body": caller}
    config = Settings(mode="inject", ttl=ttl_policy, tail_policy=tail)  # type: ignore[arg-type]
    outcome = process(params, config)  # never raises

    # the caller's body object is unchanged (value, and a stream's position)
    assert snapshot(caller) == before_state
    sent = params["body"]
    if outcome.injected == 0:
        assert sent is caller  # untouched: not even re-serialized
        return
    assert isinstance(sent, bytes)
    decoded = json.loads(sent)  # valid JSON
    before, after = markers(model_id, raw), markers(model_id, sent)
    assert outcome.injected == after - before == outcome.markers - before
    assert after <= max(4, before)
    assert ("cache_control" in decoded) == ("cache_control" in payload)  # never top level
    # nothing we add creates an error Bedrock would raise
    new_errors = audit_codes(model_id, sent) - audit_codes(model_id, raw)
    assert new_errors <= set(), new_errors
    # idempotent: processing what was sent adds nothing and leaves the bytes as they are
    again: dict[str, Any] = {"modelId": model_id, "body": sent}
    assert process(again, config).injected == 0
    assert again["body"] is sent


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anthropic_bodies(), st.sampled_from(MODELS))
def test_audit_and_strict_never_change_the_body(payload: dict[str, Any], model_id: str) -> None:
    raw = json.dumps(payload).encode()
    for mode in ("audit", "strict"):
        params: dict[str, Any] = {"modelId": model_id, "body": raw}
        try:
            process(params, Settings(mode=mode))  # type: ignore[arg-type]
        except bch.CacheAuditError as refused:
            assert mode == "strict"
            assert all(f.severity == "error" for f in refused.findings)  # type: ignore[attr-defined]
        assert params["body"] is raw


nova_text = st.builds(lambda n, s: {"text": prose(n, s)}, st.integers(0, 600), st.integers(0, 9))
nova_point = st.just({"cachePoint": {"type": "default"}})


@st.composite
def nova_bodies(draw: st.DrawFn) -> dict[str, Any]:
    messages = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": draw(
                st.lists(st.one_of(nova_text, nova_text, nova_point), min_size=1, max_size=4)
            ),
        }
        for i in range(draw(st.integers(1, 5)))
    ]
    body: dict[str, Any] = {"schemaVersion": "messages-v1", "messages": messages}
    system = draw(st.lists(st.one_of(nova_text, nova_point), max_size=3))
    if system:
        body["system"] = system
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nova_bodies())
def test_nova_properties(payload: dict[str, Any]) -> None:
    raw = json.dumps(payload).encode()
    params: dict[str, Any] = {"modelId": NOVA_PRO, "body": raw}
    config = Settings(mode="inject", tail_policy="always")
    outcome = process(params, config)
    sent = params["body"]
    before, after = markers(NOVA_PRO, raw), markers(NOVA_PRO, sent)
    assert outcome.injected == after - before
    assert after <= max(4, before)
    assert audit_codes(NOVA_PRO, sent) - {"no-marker"} <= audit_codes(NOVA_PRO, raw)
    if outcome.injected:
        decoded = json.loads(sent)
        for message in decoded["messages"]:
            for item in message["content"]:
                assert "cachePoint" not in item or "text" in item or len(item) == 1
    again: dict[str, Any] = {"modelId": NOVA_PRO, "body": sent}
    assert process(again, config).injected == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "anthropic_version": st.just(VERSION),
        "schemaVersion": st.just("messages-v1"),
        "tools": json_values,
        "system": st.one_of(json_values, st.lists(st.one_of(text, json_values), max_size=3)),
        "messages": st.lists(
            st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {"role": st.sampled_from(["user", "assistant", 7])},
                    optional={
                        "content": st.one_of(
                            json_values, st.lists(st.one_of(block, json_values), max_size=3)
                        )
                    },
                ),
            ),
            max_size=4,
        ),
        "anthropic_beta": json_values,
        "cache_control": json_values,
        "toolConfig": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shaped, st.sampled_from([SONNET_45, NOVA_PRO, "example.unknown-v1"]))
def test_malformed_bodies_never_raise(payload: dict[str, Any], model_id: str) -> None:
    raw = json.dumps(payload).encode()
    params: dict[str, Any] = {"modelId": model_id, "body": raw}
    config = Settings(mode="inject", tail_policy="always")
    outcome = process(params, config)
    json.loads(params["body"])
    assert outcome.markers <= max(4, markers(model_id, raw))
    bch.audit("invoke_model", {"modelId": model_id, "body": raw})
