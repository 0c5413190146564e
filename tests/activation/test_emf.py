"""EMF lines: layout, sums, flushing rules, limits; every line validated against the spec."""

from __future__ import annotations

import json

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.export import emf
from bedrock_cache_hook.export.emf import METRICS, EmfExporter, dimension_value
from tests.support import (
    boto3_client,
    converse_params,
    converse_response,
    json_response,
    respond_with,
)

from .emf_schema import validate_emf_line
from .records import MODEL, record


def collect() -> tuple[list[str], EmfExporter]:
    lines: list[str] = []
    return lines, EmfExporter("Test/NS", "svc", every=1000, write=lines.append)


def test_one_line_per_model_with_sums_and_units() -> None:
    lines, exporter = collect()
    exporter(record())
    exporter(record(status="miss", input_tokens=50, cache_read_tokens=0, cache_write_tokens=950))
    exporter(record(model_id="amazon.nova-pro-v1:0", cost_usd=0.5, cost_without_cache_usd=0.5))
    exporter.flush()
    assert len(lines) == 2
    documents = {doc["ModelId"]: doc for doc in map(validate_emf_line, lines)}
    sonnet = documents[MODEL]
    assert sonnet["ServiceName"] == "svc"
    assert sonnet["Calls"] == 2
    assert sonnet["InputTokens"] == 150
    assert sonnet["CacheReadInputTokens"] == 900
    assert sonnet["CacheWriteInputTokens"] == 950
    assert sonnet["OutputTokens"] == 40
    assert sonnet["CacheHitRate"] == pytest.approx(100 * 900 / 2000)
    assert sonnet["CostUSD"] == pytest.approx(0.002)
    assert sonnet["SavingsUSD"] == pytest.approx(0.004)
    assert documents["amazon.nova-pro-v1:0"]["SavingsUSD"] == 0
    directive = sonnet["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Test/NS"
    assert directive["Dimensions"] == [["ServiceName", "ModelId"]]
    assert [(m["Name"], m["Unit"]) for m in directive["Metrics"]] == list(METRICS)


def test_flush_without_calls_prints_nothing_and_sums_restart() -> None:
    lines, exporter = collect()
    exporter.flush()
    assert lines == []
    exporter(record())
    exporter.flush()
    exporter.flush()
    exporter(record())
    exporter.flush()
    assert [json.loads(line)["Calls"] for line in lines] == [1, 1]


def test_flushes_by_itself_every_n_calls() -> None:
    lines: list[str] = []
    exporter = EmfExporter("NS", "svc", every=3, write=lines.append)
    for _ in range(7):
        exporter(record())
    assert [json.loads(line)["Calls"] for line in lines] == [3, 3]
    exporter.flush()
    assert [json.loads(line)["Calls"] for line in lines] == [3, 3, 1]


def test_per_invocation_mode_leaves_flushing_to_the_wrapper() -> None:
    lines: list[str] = []
    exporter = EmfExporter("NS", "svc", every=2, write=lines.append)
    emf.set_per_invocation(True)
    for _ in range(5):
        exporter(record())
    assert lines == []
    exporter.flush()
    assert [json.loads(line)["Calls"] for line in lines] == [5]


def test_hit_rate_is_left_out_when_there_was_no_input() -> None:
    lines, exporter = collect()
    exporter(record(status="error", input_tokens=0, cache_read_tokens=0, output_tokens=0))
    exporter.flush()
    document = validate_emf_line(lines[0])
    assert "CacheHitRate" not in document
    names = [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert "CacheHitRate" not in names
    assert document["Calls"] == 1


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [("", "unknown"), ("  ", "unknown"), ("caf\u00e9\n", "caf??"), ("m" * 3000, "m" * 1024)],
)
def test_model_ids_become_valid_dimension_values(model_id: str, expected: str) -> None:
    assert dimension_value(model_id) == expected
    lines, exporter = collect()
    exporter(record(model_id=model_id))
    exporter.flush()
    assert validate_emf_line(lines[0])["ModelId"] == expected


def test_installed_client_prints_emf_after_every_n_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = boto3_client()
    respond_with(client, lambda _: json_response(converse_response()))
    bedrock_cache_hook.install(client, mode="audit", emf=True, emf_every=2, service_name="svc")
    secret = "the secret prompt words"
    params = converse_params()
    params["messages"][0]["content"][0]["text"] = secret
    for _ in range(3):
        client.converse(**params)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 1
    document = validate_emf_line(lines[0])
    assert document["Calls"] == 2
    assert document["InputTokens"] == 240
    assert document["CacheReadInputTokens"] == 4000
    assert document["ModelId"] == params["modelId"]
    assert secret not in out
    bedrock_cache_hook.uninstall(client)  # detaching flushes the third call
    lines = capsys.readouterr().out.splitlines()
    assert [validate_emf_line(line)["Calls"] for line in lines] == [1]


def test_each_miss_reason_gets_its_line_after_its_models() -> None:
    lines, exporter = collect()
    exporter(record(status="miss", miss_reason="cold", missed_read_tokens=900, miss_cost_usd=0.25))
    exporter(record(status="miss", miss_reason="ttl_expired", missed_read_tokens=800))
    exporter(record(status="miss", miss_reason="cold", missed_read_tokens=100, miss_cost_usd=0.5))
    exporter(record())  # a hit: no reason
    exporter(record(model_id="amazon.nova-pro-v1:0"))
    exporter.flush()
    documents = [validate_emf_line(line) for line in lines]
    assert [(d["ModelId"], d.get("MissReason")) for d in documents] == [
        (MODEL, None),
        (MODEL, "cold"),
        (MODEL, "ttl_expired"),
        ("amazon.nova-pro-v1:0", None),
    ]
    model, cold, expired, nova = documents
    assert model["Calls"] == 4 and model["MissCostUSD"] == pytest.approx(0.75)
    assert (cold["Misses"], cold["MissedReadTokens"]) == (2, 1000)
    assert cold["MissCostUSD"] == pytest.approx(0.75)
    assert (expired["Misses"], expired["MissedReadTokens"], expired["MissCostUSD"]) == (1, 800, 0)
    assert nova["MissCostUSD"] == 0
    directive = cold["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["ServiceName", "ModelId", "MissReason"]]
    assert [m["Name"] for m in directive["Metrics"]] == [
        "Misses",
        "MissedReadTokens",
        "MissCostUSD",
    ]
    assert "Calls" not in cold  # a reason's line never counts calls twice
    exporter.flush()
    assert len(lines) == 4  # the sums, reasons included, restart after a flush
