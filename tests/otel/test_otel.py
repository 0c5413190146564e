"""OpenTelemetry: with the SDK's in-memory span exporter and metric reader, alongside
OpenTelemetry's own botocore instrumentation, against the loopback simulator.

Skipped where the SDK or the instrumentation is not installed
(``pip install -e '.[test,otel]' opentelemetry-sdk opentelemetry-instrumentation-botocore``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.instrumentation.botocore")

import boto3
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import bedrock_cache_hook
from bedrock_cache_hook.activation.install import _reset
from bedrock_cache_hook.export import otel
from bedrock_cache_hook.sim import Simulator

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = "You are a careful assistant for the test suite. " + "Policy clause number. " * 700
MESSAGES = [{"role": "user", "content": [{"text": "hello"}]}]
BODY = json.dumps(
    {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": "hello"}],
    }
)
USAGE_KEYS = (
    otel.INPUT_TOKENS,
    otel.OUTPUT_TOKENS,
    otel.CACHE_READ_TOKENS,
    otel.CACHE_CREATION_TOKENS,
)
OPERATIONS = [
    "Converse",
    "Converse",
    "ConverseStream",
    "InvokeModel",
    "InvokeModelWithResponseStream",
]


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str, scope: str | None = None) -> list[tuple[dict[str, Any], Any]]:
        data = self.reader.get_metrics_data()
        out = []
        for resource in data.resource_metrics if data else ():
            for scoped in resource.scope_metrics:
                if scope is not None and scoped.scope.name != scope:
                    continue
                for metric in scoped.metrics:
                    if metric.name == name:
                        out += [(dict(p.attributes), p) for p in metric.data.data_points]
        return out


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield Telemetry()
    otel.disable()


@pytest.fixture
def instrumented(telemetry: Telemetry) -> Iterator[Telemetry]:
    instrumentor = BotocoreInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    yield telemetry
    instrumentor.uninstrument()


def workload(url: str) -> None:
    """The four operations, the second call onwards reading the first one's cache."""
    client = boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1")
    for _ in range(2):
        client.converse(modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES)
    reply = client.converse_stream(modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES)
    for _ in reply["stream"]:
        pass
    reply = client.invoke_model(modelId=MODEL, body=BODY)
    json.loads(reply["body"].read())
    reply = client.invoke_model_with_response_stream(modelId=MODEL, body=BODY)
    for _ in reply["body"]:
        pass


def run_workload() -> None:
    with Simulator().serve(port=0) as server:
        workload(server.url)


def bedrock_spans(telemetry: Telemetry) -> list[ReadableSpan]:
    spans = [s for s in telemetry.finished() if (s.attributes or {}).get("rpc.system")]
    return sorted(spans, key=lambda s: s.start_time or 0)


def test_every_instrumented_span_gets_usage_and_the_hooks_attributes(
    instrumented: Telemetry,
) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=instrumented.meter_provider)
    run_workload()
    records = bedrock_cache_hook.get_ledger().records()
    spans = bedrock_spans(instrumented)
    assert [s.attributes["rpc.method"] for s in spans] == OPERATIONS  # type: ignore[index]
    assert [r.operation for r in records] == OPERATIONS
    for span, record in zip(spans, records, strict=True):
        attributes = dict(span.attributes or {})
        assert attributes[otel.INPUT_TOKENS] == record.input_tokens
        assert attributes[otel.OUTPUT_TOKENS] == record.output_tokens
        assert attributes[otel.CACHE_READ_TOKENS] == record.cache_read_tokens
        assert attributes[otel.CACHE_CREATION_TOKENS] == record.cache_write_tokens
        assert attributes["bedrock_cache_hook.status"] == record.status
        assert attributes["bedrock_cache_hook.markers_added"] == record.injected >= 1
        assert attributes["bedrock_cache_hook.markers"] == record.markers
        assert attributes["bedrock_cache_hook.cost_usd"] == pytest.approx(record.cost_usd)
        assert attributes["bedrock_cache_hook.completed"] is True
        reason = getattr(record, "miss_reason", None)
        assert attributes.get("bedrock_cache_hook.miss_reason") == reason
        assert not span.events  # attributes on the call's own span, no events
    if hasattr(records[0], "miss_reason"):  # the ledger's miss reasons, where it has them
        assert dict(spans[0].attributes or {})["bedrock_cache_hook.miss_reason"] == "cold"
    assert [dict(s.attributes or {})["bedrock_cache_hook.status"] for s in spans] == [
        "miss",
        "hit",
        "hit",
        "hit",
        "hit",
    ]
    # InvokeModel and its stream: cache reads on the span, which the instrumentation alone
    # never sets
    invoke = [s for s in spans if str(s.attributes["rpc.method"]).startswith("Invoke")]  # type: ignore[index]
    assert all(dict(s.attributes or {})[otel.CACHE_READ_TOKENS] > 1000 for s in invoke)


def _instrumentation_only_attributes() -> list[dict[str, Any]]:
    telemetry = Telemetry()
    instrumentor = BotocoreInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    try:
        bedrock_cache_hook.install()
        run_workload()
    finally:
        instrumentor.uninstrument()
        # forget what the planner learnt: the second run must plan exactly as this one did
        _reset()
        bedrock_cache_hook.get_ledger().clear()
    return [dict(s.attributes or {}) for s in bedrock_spans(telemetry)]


def test_never_conflicts_with_what_the_instrumentation_sets(telemetry: Telemetry) -> None:
    alone = _instrumentation_only_attributes()
    instrumentor = BotocoreInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    try:
        bedrock_cache_hook.install()
        otel.enable(meter_provider=telemetry.meter_provider)
        run_workload()
    finally:
        instrumentor.uninstrument()
    together = [dict(s.attributes or {}) for s in bedrock_spans(telemetry)]
    assert len(alone) == len(together) == 5
    for before, after in zip(alone, together, strict=True):
        for key, value in before.items():
            if key in ("server.port", "aws.request_id"):
                continue  # a new loopback port, a new request id per run
            assert after[key] == value, key
        added = set(after) - set(before)
        assert all(k in USAGE_KEYS or k.startswith("bedrock_cache_hook.") for k in added)
    # what the instrumentation alone leaves out: cache counts on InvokeModel spans
    assert otel.CACHE_READ_TOKENS not in alone[3] and otel.CACHE_READ_TOKENS in together[3]
    assert otel.CACHE_READ_TOKENS not in alone[4] and otel.CACHE_READ_TOKENS in together[4]


def test_metrics_never_count_tokens_twice(instrumented: Telemetry) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=instrumented.meter_provider)
    run_workload()
    records = bedrock_cache_hook.get_ledger().records()
    ours = instrumented.points(otel.TOKEN_USAGE, scope="bedrock_cache_hook")
    types = {attrs["gen_ai.token.type"] for attrs, _ in ours}
    assert types == {"cache_read", "cache_creation"}  # input/output: the instrumentation's
    read = sum(p.sum for attrs, p in ours if attrs["gen_ai.token.type"] == "cache_read")
    assert read == sum(r.cache_read_tokens for r in records)
    write = sum(p.sum for attrs, p in ours if attrs["gen_ai.token.type"] == "cache_creation")
    assert write == sum(r.cache_write_tokens for r in records)
    calls = instrumented.points("bedrock_cache_hook.calls")
    by_status: dict[str, int] = {}
    for attrs, point in calls:
        status = attrs["bedrock_cache_hook.status"]
        by_status[status] = by_status.get(status, 0) + point.value
    assert by_status == {"miss": 1, "hit": 4}
    by_reason = {a.get("bedrock_cache_hook.miss_reason"): p.value for a, p in calls if p.value}
    for record in records:
        assert getattr(record, "miss_reason", None) in by_reason
    cost = sum(p.value for _, p in instrumented.points("bedrock_cache_hook.cost"))
    assert cost == pytest.approx(sum(r.cost_usd for r in records))


def test_without_the_instrumentation_metrics_carry_input_and_output(
    telemetry: Telemetry,
) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=telemetry.meter_provider)
    run_workload()
    records = bedrock_cache_hook.get_ledger().records()
    points = telemetry.points(otel.TOKEN_USAGE)
    total = dict.fromkeys(("input", "output", "cache_read", "cache_creation"), 0)
    for attrs, point in points:
        assert attrs["gen_ai.system"] == "aws.bedrock"
        assert attrs["gen_ai.request.model"] == MODEL
        total[attrs["gen_ai.token.type"]] += point.sum
    assert total == {
        "input": sum(r.input_tokens for r in records),
        "output": sum(r.output_tokens for r in records),
        "cache_read": sum(r.cache_read_tokens for r in records),
        "cache_creation": sum(r.cache_write_tokens for r in records),
    }


def test_an_application_span_gets_one_event_per_call_and_no_attributes(
    telemetry: Telemetry,
) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=telemetry.meter_provider)
    tracer = telemetry.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("agent turn"):
        run_workload()
    (span,) = telemetry.finished()
    assert not any(k in (span.attributes or {}) for k in USAGE_KEYS)
    assert [e.name for e in span.events] == [otel.EVENT_NAME] * 5
    records = bedrock_cache_hook.get_ledger().records()
    for event, record in zip(span.events, records, strict=True):
        attributes = dict(event.attributes or {})
        assert attributes[otel.CACHE_READ_TOKENS] == record.cache_read_tokens
        assert attributes["bedrock_cache_hook.status"] == record.status
        assert attributes["gen_ai.request.model"] == MODEL


def test_a_stream_consumed_after_its_span_ended_goes_to_the_metrics_only(
    telemetry: Telemetry,
) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=telemetry.meter_provider)
    tracer = telemetry.tracer_provider.get_tracer("app")
    with Simulator().serve(port=0) as server:
        client = boto3.client("bedrock-runtime", endpoint_url=server.url, region_name="us-east-1")
        with tracer.start_as_current_span("short"):
            reply = client.converse_stream(
                modelId=MODEL, system=[{"text": SYSTEM}], messages=MESSAGES
            )
        for _ in reply["stream"]:
            pass
    (span,) = telemetry.finished()
    assert not span.events
    (record,) = bedrock_cache_hook.get_ledger().records()
    calls = telemetry.points("bedrock_cache_hook.calls")
    assert [(a["bedrock_cache_hook.status"], p.value) for a, p in calls] == [(record.status, 1)]


def test_disable_stops_it(telemetry: Telemetry) -> None:
    bedrock_cache_hook.install()
    otel.enable(meter_provider=telemetry.meter_provider)
    otel.enable(meter_provider=telemetry.meter_provider)  # idempotent: still one observer
    otel.disable()
    assert not otel.is_enabled()
    run_workload()
    assert telemetry.points("bedrock_cache_hook.calls") == []


def test_opentelemetry_is_not_imported_unless_enabled() -> None:
    code = (
        "import sys, bedrock_cache_hook; bedrock_cache_hook.install(); "
        "import bedrock_cache_hook.sim; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
