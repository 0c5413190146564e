"""Anthropic and Nova body dialects: where markers go, what the audit says, betas."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook._request import RequestOutcome, RequestProcessor
from bedrock_cache_hook.config import Settings
from bedrock_cache_hook.dialects import anthropic, betas, body, nova
from bedrock_cache_hook.dialects.invoke import count_markers
from tests.support import prose

from .kit import (
    EPHEMERAL,
    HAIKU_35,
    NOVA_PRO,
    SONNET_45,
    anthropic_body,
    cache_controls,
    nova_body,
)


def run(
    payload: dict[str, Any], model_id: str = SONNET_45, **settings: Any
) -> tuple[dict[str, Any], RequestOutcome]:
    """Process one InvokeModel request; returns (body as sent, outcome)."""
    params: dict[str, Any] = {"modelId": model_id, "body": json.dumps(payload)}
    config = Settings(mode=settings.pop("mode", "inject"), **settings)
    outcome = RequestProcessor().process("InvokeModel", params, None, config, now=0.0)
    return json.loads(params["body"]), outcome


def codes(payload: dict[str, Any], model_id: str = SONNET_45, **kwargs: Any) -> list[str]:
    report = bch.audit("invoke_model", {"modelId": model_id, "body": json.dumps(payload)}, **kwargs)
    return [f.code for f in report.findings]


def test_markers_never_on_thinking_or_empty_text() -> None:
    payload = anthropic_body(tools=0)
    payload["messages"][-1] = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "visible"},
            {"type": "thinking", "thinking": prose(50), "signature": "sig"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "text", "text": ""},
        ],
    }
    sent, outcome = run(payload)
    assert cache_controls(sent) == ["system[0]", "messages[5].content[0]"]
    assert outcome.findings == []


@pytest.mark.parametrize(
    ("block", "code"),
    [
        ({"type": "thinking", "thinking": "t", "signature": "s"}, "marker-on-thinking"),
        ({"type": "redacted_thinking", "data": "d"}, "marker-on-thinking"),
        ({"type": "text", "text": ""}, "marker-on-empty-text"),
    ],
)
def test_caller_markers_bedrock_rejects_are_errors(block: dict[str, Any], code: str) -> None:
    payload = anthropic_body(tools=0)
    payload["messages"][-1] = {
        "role": "assistant",
        "content": [{"type": "text", "text": "x"}, {**block, "cache_control": EPHEMERAL}],
    }
    assert code in codes(payload)


@pytest.mark.parametrize(
    ("control", "code"),
    [({}, "marker-missing-type"), ({"type": "persistent"}, "marker-unknown-type")],
)
def test_malformed_cache_control(control: dict[str, Any], code: str) -> None:
    payload = anthropic_body(tools=0)
    payload["system"] = [{"type": "text", "text": payload["system"], "cache_control": control}]
    assert code in codes(payload)


def test_null_cache_control_is_no_marker_and_gets_replaced() -> None:
    payload = anthropic_body(tools=0)
    payload["system"] = [{"type": "text", "text": payload["system"], "cache_control": None}]
    assert count_markers({"body": json.dumps(payload)}) == 0
    sent, _ = run(payload)
    assert sent["system"][0]["cache_control"] == EPHEMERAL


def test_string_content_is_converted_only_where_a_marker_goes() -> None:
    payload = anthropic_body(tools=0)
    sent, _ = run(payload)
    assert [type(m["content"]).__name__ for m in sent["messages"]] == ["str"] * 5 + ["list"]
    assert sent["messages"][5]["content"] == [
        {"type": "text", "text": payload["messages"][5]["content"], "cache_control": EPHEMERAL}
    ]


def test_block_system_keeps_its_blocks_and_marks_the_last() -> None:
    payload = anthropic_body(tools=0)
    payload["system"] = [
        {"type": "text", "text": payload["system"]},
        {"type": "text", "text": "Be brief."},
    ]
    sent, _ = run(payload)
    assert sent["system"][0] == payload["system"][0]
    assert sent["system"][1] == {**payload["system"][1], "cache_control": EPHEMERAL}


@pytest.mark.parametrize(("caller", "most"), [(1, 4), (3, 4), (4, 4), (5, 5)])
def test_budget_counts_the_callers_markers(caller: int, most: int) -> None:
    payload = anthropic_body(turns=10, tools=0)
    for m in range(caller):
        text = payload["messages"][m]["content"]
        payload["messages"][m]["content"] = [
            {"type": "text", "text": text, "cache_control": EPHEMERAL}
        ]
    sent, outcome = run(payload)
    assert len(cache_controls(sent)) <= most
    assert outcome.markers == len(cache_controls(sent))
    assert outcome.injected == outcome.markers - caller
    assert ("too-many-markers" in {f.code for f in outcome.findings}) == (caller > 4)


def test_tool_result_inner_markers_count() -> None:
    payload = anthropic_body(tools=0)
    payload["messages"][1] = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}}],
    }
    payload["messages"][2] = {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": [{"type": "text", "text": "rows", "cache_control": EPHEMERAL}],
            }
        ],
    }
    report = bch.audit("invoke_model", {"modelId": SONNET_45, "body": json.dumps(payload)})
    assert [m.location for m in report.markers] == ["messages[2].content[0].content[0]"]


def test_one_hour_only_where_the_model_has_it() -> None:
    sent, _ = run(anthropic_body(), ttl="1h")
    assert {json.dumps(sent["tools"][11]["cache_control"])} == {
        '{"type": "ephemeral", "ttl": "1h"}'
    }
    sent, _ = run(anthropic_body(system_words=3000), HAIKU_35, ttl="1h")
    assert "ttl" not in json.dumps(sent)
    assert cache_controls(sent)


def test_ttl_order_keeps_the_callers_5m_first() -> None:
    payload = anthropic_body()
    payload["tools"][11]["cache_control"] = EPHEMERAL  # caller's 5m on the tools
    sent, outcome = run(payload, ttl="1h")
    assert "ttl" not in json.dumps(sent)  # nothing 1h may follow a 5m marker
    assert outcome.findings == []


class TestBetas:
    BETA = "extended-cache-ttl-2025-04-11"

    def test_caching_betas_bedrock_does_not_need_are_flagged(self) -> None:
        payload = anthropic_body(anthropic_beta=["prompt-caching-2024-07-31", self.BETA])
        found = codes(payload)
        assert found.count("caching-beta-unneeded") == 2

    def test_unknown_caching_beta_is_flagged_other_betas_are_not(self) -> None:
        payload = anthropic_body(
            anthropic_beta=["prompt-caching-2099-01-01", "interleaved-thinking-2025-05-14"]
        )
        assert codes(payload).count("caching-beta-unknown") == 1
        assert "caching-beta-unneeded" not in codes(payload)

    def test_a_beta_the_catalog_requires_is_missing_then_added_once(self) -> None:
        overrides = {"claude-sonnet-4-5": {"betas": {"ttl-1h": self.BETA}}}
        payload = anthropic_body()
        payload["system"] = [
            {"type": "text", "text": payload["system"], "cache_control": {**EPHEMERAL, "ttl": "1h"}}
        ]
        assert "caching-beta-missing" in codes(payload, model_overrides=overrides)
        sent, outcome = run(payload, model_overrides=overrides)
        assert sent["anthropic_beta"] == [self.BETA]
        assert "caching-beta-missing" not in {f.code for f in outcome.findings}
        again, _ = run(sent, model_overrides=overrides)
        assert again["anthropic_beta"] == [self.BETA]
        # the declared beta is not "unneeded"
        assert codes(sent, model_overrides=overrides) == []

    def test_a_non_list_beta_field_is_left_as_sent(self) -> None:
        spec = bch.resolve(
            SONNET_45, model_overrides={"claude-sonnet-4-5": {"betas": {"caching": "b"}}}
        )
        assert spec.spec is not None
        payload = {"anthropic_beta": "b-as-string", "messages": []}
        prefix, _ = anthropic.parse(payload, spec.spec)
        assert betas.add(payload, spec.spec, prefix) is None


class TestNova:
    def test_markers_in_text_blocks_only_and_no_ttl(self) -> None:
        payload = nova_body()
        payload["messages"][-1]["content"].insert(
            0, {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}
        )
        sent, outcome = run(payload, NOVA_PRO, ttl="1h")
        assert "cachePoint" in sent["system"][0]
        assert "cachePoint" not in sent["messages"][-1]["content"][0]
        assert sent["messages"][-1]["content"][1]["cachePoint"] == {"type": "default"}
        assert (outcome.injected, outcome.findings) == (2, [])

    def test_caller_tool_marker_is_an_error(self) -> None:
        payload = nova_body()
        payload["toolConfig"]["tools"].append({"cachePoint": {"type": "default"}})
        assert "marker-on-tools-unsupported" in codes(payload, NOVA_PRO)

    def test_standalone_and_inline_markers_are_both_read(self) -> None:
        payload = nova_body()
        payload["system"].append({"cachePoint": {"type": "default"}})
        payload["messages"][0]["content"][0]["cachePoint"] = {}
        report = bch.audit("invoke_model", {"modelId": NOVA_PRO, "body": json.dumps(payload)})
        assert [m.location for m in report.markers] == ["system[1]", "messages[0].content[0]"]
        assert "marker-missing-type" in {f.code for f in report.findings}

    def test_apply_is_copy_on_write(self) -> None:
        payload = nova_body()
        frozen = json.dumps(payload)
        prefix, _ = nova.parse(payload, None)
        marker = type("M", (), {"after": len(prefix.blocks) - 1, "ttl": None})()
        out = nova.apply(payload, prefix, [marker])  # type: ignore[list-item]
        assert json.dumps(payload) == frozen
        assert out["system"] is payload["system"]
        assert out["messages"][:-1] == payload["messages"][:-1]


class TestBodyReading:
    def test_forms(self) -> None:
        data = {"a": "é"}
        raw = json.dumps(data, ensure_ascii=False).encode()
        for form in (raw, raw.decode(), bytearray(raw), io.BytesIO(raw)):
            read = body.read_body(form)
            assert read.data == data
            assert read.rewritable
        text_stream = body.read_body(io.StringIO(raw.decode()))
        assert text_stream.data == data
        assert not text_stream.rewritable  # botocore's business, not ours to turn into bytes

    def test_forms_botocore_refuses_are_not_read(self) -> None:
        # botocore rejects these before sending; reading them could make them sendable
        raw = b'{"a": 1}'
        lone_surrogate_text = '{"a": "\ud800"}'  # botocore cannot encode it as UTF-8
        for form in (memoryview(raw), 42, {"a": 1}, lone_surrogate_text):
            read = body.read_body(form)
            assert (read.data, read.problem) == (None, None)

    def test_rewritable_only_when_a_round_trip_changes_nothing(self) -> None:
        for raw in (
            b'{"max_tokens": 1, "max_tokens": 2}',
            b'{"t": NaN}',
            b'{"t": 1E5}',
            b'{"t": 0.50}',
            b'{"t": -0}',
            b'{"t": 1e400}',
            b"\xef\xbb\xbf{}",
            '{"a": 1}'.encode("utf-16"),
        ):
            read = body.read_body(raw)
            assert not read.rewritable, raw
        for raw in (b'{"t": 0.5, "n": -3, "s": "\\ud800", "x": 1e-07}', b' { "a" : [ ] } '):
            assert body.read_body(raw).rewritable, raw

    def test_problems(self) -> None:
        assert body.read_body(b"[1, 2]").problem == "body-not-json"
        assert body.read_body(b"\xff\xfe").problem == "body-not-json"
        assert body.read_body(42).problem is None  # botocore's validation speaks to it
        assert body.read_body(None).problem is None

    def test_position_is_restored_even_when_reading_fails(self) -> None:
        class Flaky(io.BytesIO):
            def read(self, size: int | None = -1) -> bytes:
                raise OSError("disk gone")

        stream = Flaky(b"{}")
        stream.seek(1)
        assert body.read_body(stream).problem == "body-unreadable"
        assert stream.tell() == 1

    def test_encode_is_compact_and_keeps_unicode(self) -> None:
        assert body.encode({"k": ["é", 1]}) == '{"k":["é",1]}'.encode()
        lone = json.loads('"\\ud800 x"')
        assert body.encode({"k": lone}) == b'{"k":"\\ud800 x"}'


def test_audit_takes_a_dict_body_too() -> None:
    payload = anthropic_body()
    as_dict = bch.audit("invoke_model", {"modelId": SONNET_45, "body": payload})
    as_text = bch.audit("InvokeModel", {"modelId": SONNET_45, "body": json.dumps(payload)})
    assert as_dict == as_text
    assert [f.code for f in as_dict.findings] == ["no-marker"]
