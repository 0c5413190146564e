"""Issue 3 acceptance through real clients: injection, audit, strict, caller safety, dollars."""

from __future__ import annotations

import copy
import logging
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import bedrock_cache_hook as bch
from tests.support import (
    APP_PROFILE,
    CACHE_POINT,
    LLAMA,
    NOVA_PRO,
    REGION,
    SONNET_45,
    agent_request,
    converse_response,
    json_response,
    respond_with,
)

SONNET_USAGE = {
    "inputTokens": 100,
    "outputTokens": 50,
    "totalTokens": 4150,
    "cacheReadInputTokens": 3000,
    "cacheWriteInputTokens": 1000,
}


def client() -> Any:
    return boto3.client("bedrock-runtime", region_name=REGION)


def with_markers(request: dict[str, Any]) -> dict[str, Any]:
    """The request with markers at end of tools, end of system and the tail, built by hand."""
    expected = copy.deepcopy(request)
    expected["toolConfig"]["tools"].append(CACHE_POINT)
    expected["system"].append(CACHE_POINT)
    expected["messages"][-1]["content"].append(CACHE_POINT)
    return expected


@pytest.mark.parametrize("operation", ["converse", "converse_stream"])
def test_stubber_sees_injected_markers(operation: str) -> None:
    bch.install(mode="inject")
    c = client()
    request = agent_request()
    response = converse_response(SONNET_USAGE) if operation == "converse" else {"stream": {}}
    with Stubber(c) as stubber:
        stubber.add_response(operation, response, with_markers(request))
        getattr(c, operation)(**request)
        stubber.assert_no_pending_responses()
    [record] = bch.get_ledger().records()
    assert (record.markers, record.injected) == (3, 3)


def test_nova_gets_no_tool_marker_and_no_ttl() -> None:
    bch.install(mode="inject", ttl="1h")
    c = client()
    request = agent_request(NOVA_PRO)
    expected = copy.deepcopy(request)
    expected["system"].append(CACHE_POINT)
    expected["messages"][-1]["content"].append(CACHE_POINT)
    with Stubber(c) as stubber:
        stubber.add_response("converse", converse_response(), expected)
        c.converse(**request)


@pytest.mark.parametrize("model_id", [LLAMA, APP_PROFILE])
def test_models_we_cannot_place_markers_for_are_left_alone(model_id: str) -> None:
    bch.install(mode="inject")
    c = client()
    request = agent_request(model_id)
    with Stubber(c) as stubber:
        stubber.add_response("converse", converse_response(), copy.deepcopy(request))
        c.converse(**request)
    [record] = bch.get_ledger().records()
    assert record.injected == 0
    codes = [f.code for f in record.findings]  # type: ignore[attr-defined]
    if model_id == APP_PROFILE:
        assert codes == ["unmapped-model-id"]
        assert "model_aliases" in record.findings[0].fix  # type: ignore[attr-defined]
    else:
        assert codes == []


def test_model_aliases_map_an_application_profile() -> None:
    bch.install(
        mode="inject", model_aliases={APP_PROFILE: "anthropic.claude-sonnet-4-5-20250929-v1:0"}
    )
    c = client()
    request = agent_request(APP_PROFILE)
    with Stubber(c) as stubber:
        stubber.add_response("converse", converse_response(), with_markers(request))
        c.converse(**request)


def _caller_markers(request: dict[str, Any], count: int) -> dict[str, Any]:
    """Put ``count`` caller markers after the first blocks of the earliest messages."""
    messages = request["messages"]
    for i in range(count):
        messages[i]["content"].append(CACHE_POINT)
    return request


@pytest.mark.parametrize(("caller", "at_most"), [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4), (5, 5)])
def test_marker_budget_counts_the_callers(caller: int, at_most: int) -> None:
    bch.install(mode="inject")
    c = client()
    sent = respond_with(c, lambda request: json_response(converse_response()))
    request = _caller_markers(agent_request(turns=4), caller)
    c.converse(**request)
    body = sent[0].body.decode()
    total = body.count('"cachePoint"')
    assert total <= at_most
    assert total - caller <= max(0, 4 - caller)
    [record] = bch.get_ledger().records()
    assert record.markers == total
    assert record.injected == total - caller
    if caller == 3:
        assert record.injected <= 1
    if caller >= 4:
        assert record.injected == 0
    codes = {f.code for f in record.findings}  # type: ignore[attr-defined]
    assert ("too-many-markers" in codes) == (caller > 4)


def test_audit_reports_more_than_four_as_error() -> None:
    request = _caller_markers(agent_request(turns=5), 5)
    report = bch.audit("converse", request)
    errors = [f for f in report.findings if f.severity == "error"]
    assert [f.code for f in errors] == ["too-many-markers"]
    assert not report.will_cache


def test_callers_objects_never_change_and_never_accumulate() -> None:
    bch.install(mode="inject")
    c = client()
    sent = respond_with(c, lambda request: json_response(converse_response()))
    request = agent_request(turns=1)
    messages = request["messages"]
    for turn in range(20):
        before = copy.deepcopy(request)
        c.converse(**request)
        assert request == before
        messages.append({"role": "assistant", "content": [{"text": f"answer {turn}"}]})
        messages.append({"role": "user", "content": [{"text": f"follow-up {turn}"}]})
    for request_sent in sent:
        assert request_sent.body.decode().count('"cachePoint"') <= 4
    assert all(CACHE_POINT not in m["content"] for m in messages)
    assert CACHE_POINT not in request["system"]
    assert CACHE_POINT not in request["toolConfig"]["tools"]


def test_audit_mode_sends_bytes_unchanged_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    request = agent_request()
    plain = client()
    plain_sent = respond_with(plain, lambda r: json_response(converse_response()))
    plain.converse(**request)
    bch.install(mode="audit")
    c = client()
    sent = respond_with(c, lambda r: json_response(converse_response()))
    with caplog.at_level(logging.WARNING, logger="bedrock_cache_hook"):
        c.converse(**request)
        c.converse(**request)
    assert [r.body for r in sent] == [plain_sent[0].body] * 2
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "no-marker" in caplog.text
    record = bch.get_ledger().records()[0]
    assert record.injected == 0
    assert [f.code for f in record.findings] == ["no-marker"]  # type: ignore[attr-defined]


def test_strict_mode_raises_before_sending() -> None:
    bch.install(mode="strict")
    c = client()
    sent = respond_with(c, lambda r: json_response(converse_response()))
    with pytest.raises(bch.CacheAuditError, match="no-marker") as raised:
        c.converse(**agent_request())
    assert sent == []
    assert [f.code for f in raised.value.findings] == ["no-marker"]  # type: ignore[attr-defined]
    c.converse(**with_markers(agent_request()))
    assert len(sent) == 1


def test_cost_matches_the_price_table() -> None:
    bch.install(mode="inject")
    c = client()
    request = agent_request("global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    with Stubber(c) as stubber:
        stubber.add_response("converse", converse_response(SONNET_USAGE))
        c.converse(**request)
    [record] = bch.get_ledger().records()
    # Sonnet 4.5 global: input 3.00, output 15.00, write 5m 3.75, read 0.30 per 1M tokens
    expected = (100 * 3.00 + 50 * 15.00 + 3000 * 0.30 + 1000 * 3.75) / 1e6
    without = ((100 + 3000 + 1000) * 3.00 + 50 * 15.00) / 1e6
    assert record.cost_usd == pytest.approx(expected)
    assert record.cost_without_cache_usd == pytest.approx(without)


def test_regional_profile_costs_ten_percent_more_and_1h_writes_cost_double() -> None:
    bch.install(mode="inject")
    c = client()
    usage = dict(SONNET_USAGE, cacheDetails=[{"ttl": "1h", "inputTokens": 1000}])
    with Stubber(c) as stubber:
        stubber.add_response("converse", converse_response(usage))
        c.converse(**agent_request(SONNET_45))
    [record] = bch.get_ledger().records()
    expected = (100 * 3.00 + 50 * 15.00 + 3000 * 0.30 + 1000 * 6.00) / 1e6 * 1.1
    assert record.cost_usd == pytest.approx(expected)
    summary = bch.get_ledger().summary()
    assert summary.cost_usd == pytest.approx(expected)
    assert summary.savings_usd == pytest.approx(record.cost_without_cache_usd - expected)
