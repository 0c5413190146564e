"""Each audit rule, through the public ``audit()`` (no client, nothing sent)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import bedrock_cache_hook as bch
from tests.support import APP_PROFILE, CACHE_POINT, LLAMA, NOVA_PRO, SONNET_45, agent_request

HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"


def codes(params: dict[str, Any]) -> list[str]:
    return [f.code for f in bch.audit("converse", params).findings]


def marked(model_id: str = SONNET_45) -> dict[str, Any]:
    request = agent_request(model_id)
    request["system"].append(CACHE_POINT)
    request["messages"][-1]["content"].append(CACHE_POINT)
    return request


def test_well_marked_request_is_clean_and_caches() -> None:
    report = bch.audit("converse", marked())
    assert report.findings == ()
    assert report.will_cache
    report.assert_caches()
    assert [m.location for m in report.markers] == ["system[1]", "messages[4].content[1]"]
    assert all(m.reaches_minimum for m in report.markers)


def test_no_marker_is_an_error_with_a_fix() -> None:
    report = bch.audit("converse_stream", agent_request())
    [item] = report.findings
    assert (item.code, item.severity) == ("no-marker", "error")
    assert "inject" in item.fix
    with pytest.raises(AssertionError, match="no-marker"):
        report.assert_caches()


def test_prompt_under_the_minimum_is_only_info() -> None:
    request = {"modelId": SONNET_45, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}
    report = bch.audit("converse", request)
    assert [(f.code, f.severity) for f in report.findings] == [("prefix-below-minimum", "info")]
    assert not report.will_cache


def test_below_minimum_marker() -> None:
    request = agent_request(HAIKU_35)  # Claude 3.5 Haiku needs 2,048
    request["toolConfig"]["tools"].insert(1, CACHE_POINT)
    report = bch.audit("converse", request)
    [item] = [f for f in report.findings if f.code == "below-minimum"]
    assert item.location == "toolConfig.tools[1]"
    assert item.severity == "warning"


def test_too_many_markers() -> None:
    request = marked()
    for message in request["messages"][:3]:
        message["content"].append(CACHE_POINT)
    assert "too-many-markers" in codes(request)


def test_marker_after_reasoning_and_after_text_document() -> None:
    request = marked()
    request["messages"][1]["content"] = [
        {"reasoningContent": {"reasoningText": {"text": "thinking", "signature": "sig"}}},
        CACHE_POINT,
        {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"hello"}}},
        CACHE_POINT,
        {"text": "answer"},
    ]
    found = {f.code: f.location for f in bch.audit("converse", request).findings}
    assert found["marker-after-reasoning"] == "messages[1].content[1]"
    assert found["marker-after-document"] == "messages[1].content[3]"


def test_pdf_document_may_carry_a_marker() -> None:
    request = marked()
    request["messages"][0]["content"] = [
        {"document": {"format": "pdf", "name": "doc", "source": {"bytes": b"%PDF /Type /Page"}}},
        CACHE_POINT,
        {"text": "summarise"},
    ]
    assert "marker-after-document" not in codes(request)


def test_marker_first_block_shares_block_and_bad_types() -> None:
    request = marked()
    del request["toolConfig"]  # so the system marker below precedes everything
    request["system"].insert(0, {"cachePoint": {"type": "default"}})
    request["messages"][0]["content"].append({"cachePoint": {}})
    request["messages"][2]["content"].append({"cachePoint": {"type": "bogus"}})
    request["messages"][3]["content"].append({"text": "x", "cachePoint": {"type": "default"}})
    found = set(codes(request))
    assert {
        "marker-first-block",
        "marker-missing-type",
        "marker-unknown-type",
        "marker-shares-block",
    } <= found


def test_marker_inside_tool_result() -> None:
    request = marked()
    request["messages"][2]["content"].append(
        {"toolResult": {"toolUseId": "t1", "content": [{"text": "ok"}, CACHE_POINT]}}
    )
    [item] = [
        f for f in bch.audit("converse", request).findings if f.code == "marker-in-tool-result"
    ]
    assert item.location == "messages[2].content[1].toolResult"


def test_nova_tool_marker() -> None:
    request = marked(NOVA_PRO)
    request["toolConfig"]["tools"].append(CACHE_POINT)
    assert "marker-on-tools-unsupported" in codes(request)


def test_ttl_rules() -> None:
    one_hour = {"cachePoint": {"type": "default", "ttl": "1h"}}
    request = marked(HAIKU_35)
    request["system"][-1] = one_hour
    assert "ttl-unsupported-model" in codes(request)
    ordered = marked()
    ordered["messages"][-1]["content"][-1] = one_hour
    assert "ttl-order" in codes(ordered)
    fine = marked()
    fine["system"][-1] = one_hour
    assert codes(fine) == []


def test_markers_on_a_model_that_cannot_cache() -> None:
    assert codes(marked(LLAMA)) == ["markers-on-noncaching-model"]


def test_unmapped_and_unknown_models() -> None:
    assert codes(agent_request(APP_PROFILE)) == ["unmapped-model-id"]
    assert codes(agent_request("vendorx.future-9-v1:0")) == ["unknown-model"]
    # a Claude line the catalog has never seen borrows the nearest rules: audited, not ignored
    assert codes(agent_request("anthropic.claude-future-9-v1:0")) == ["model-inferred", "no-marker"]
    mapped = bch.audit("converse", marked(APP_PROFILE), model_aliases={APP_PROFILE: SONNET_45})
    assert mapped.will_cache


@pytest.mark.parametrize(
    "value",
    [
        "Current time: 2026-11-21T10:15:00Z",
        "session 123e4567-e89b-12d3-a456-426614174000",
        "now=1795290537",
        "it is 10:15:42 now",
    ],
)
def test_dynamic_values_before_the_first_marker(value: str) -> None:
    request = marked()
    request["system"][0] = {"text": request["system"][0]["text"] + " " + value}
    report = bch.audit("converse", request)
    [item] = [f for f in report.findings if f.code == "dynamic-prefix"]
    assert item.location == "system[0]"
    assert value not in str(item)  # findings never quote the request


def test_only_a_moving_tail_and_no_stable_anchor() -> None:
    request = agent_request()
    request["messages"][-1]["content"].append(CACHE_POINT)
    assert "no-stable-anchor" in codes(request)


def test_audit_does_not_touch_params_and_rejects_bad_input() -> None:
    request = marked()
    before = copy.deepcopy(request)
    bch.audit("Converse", request)
    assert request == before
    with pytest.raises(ValueError, match="operation"):
        bch.audit("chat", request)
    with pytest.raises(ValueError, match="modelId"):
        bch.audit("converse", {"messages": []})
