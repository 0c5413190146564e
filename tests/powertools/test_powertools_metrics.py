"""Our metrics through an application's Powertools ``Metrics`` (one EMF document of its own).

Skipped where aws-lambda-powertools is not installed (``pip install -e '.[test,powertools]'``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("aws_lambda_powertools")

from aws_lambda_powertools import Metrics

import bedrock_cache_hook
from bedrock_cache_hook.export.powertools import send_to
from bedrock_cache_hook.sim import Simulator

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "You are a careful assistant for the test suite. " + "Policy clause number. " * 700


@pytest.fixture
def metrics() -> Iterator[Metrics]:
    app_metrics = Metrics(namespace="Shop", service="checkout")
    app_metrics.clear_metrics()
    yield app_metrics
    app_metrics.clear_metrics()


def test_calls_go_into_the_applications_document(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = send_to(metrics)
    bedrock_cache_hook.install()  # no EMF of ours
    client = Simulator().client()

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: object) -> str:
        metrics.add_metric(name="Orders", unit="Count", value=1)  # the app's own metric
        for _ in range(2):
            client.converse(
                modelId=MODEL,
                system=[{"text": SYSTEM}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        return "ok"

    assert handler({}, None) == "ok"
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    document = json.loads(line)
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Shop"
    assert document["service"] == "checkout"
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units["BedrockCalls"] == "Count" and units["BedrockCostUSD"] == "None"
    assert document["Orders"] == [1.0]
    records = bedrock_cache_hook.get_ledger().records()
    assert document["BedrockCalls"] == [1.0, 1.0]
    assert document["BedrockCacheReadInputTokens"] == [float(r.cache_read_tokens) for r in records]
    assert document["BedrockCacheWriteInputTokens"][0] == records[0].cache_write_tokens > 1000
    assert document["BedrockCostUSD"] == pytest.approx([r.cost_usd for r in records])
    savings = [r.cost_without_cache_usd - r.cost_usd for r in records]
    assert document["BedrockSavingsUSD"] == pytest.approx(savings)
    # the first call was cold, the second read what it wrote
    assert document["BedrockMissCostUSD"] == pytest.approx([r.miss_cost_usd for r in records])
    assert document["BedrockMissCostUSD"][0] > 0 == document["BedrockMissCostUSD"][1]
    stop()
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    metrics.add_metric(name="Orders", unit="Count", value=1)
    metrics.flush_metrics()
    assert "BedrockCalls" not in capsys.readouterr().out  # stopped


def test_prefix_and_own_ledger(metrics: Metrics, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = bedrock_cache_hook.Ledger()
    send_to(metrics, ledger=ledger, prefix="LLM")
    client = Simulator().client()
    bedrock_cache_hook.install(client, ledger=ledger)
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}])
    metrics.flush_metrics()
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert json.loads(line)["LLMCalls"] == [1.0]


def test_anything_but_a_metrics_object_is_refused() -> None:
    with pytest.raises(TypeError, match="Metrics"):
        send_to(object())
