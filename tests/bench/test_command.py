"""``bedrock-cache-hook bench cost`` on a trace file: JSON per strategy, bound and targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_cache_hook.bench import trace
from bedrock_cache_hook.bench.shapes import Sizes
from bedrock_cache_hook.bench.suite import generate
from bedrock_cache_hook.cli import main

SMALL = Sizes(system=(1_200, 2_500), tools=(800, 2_000), step=(100, 400), steps=(5, 6))


def test_bench_cost_json_on_a_trace_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.jsonl"
    trace.write(generate("agent", 2, SMALL), path)
    assert main(["bench", "cost", "--trace", str(path), "--json", "--jobs", "1"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["trace"] == "mine"
    strategies = report["strategies"]
    assert {"none", "hook", "strands", "litellm", "langchain-aws", "pydantic-ai"} <= set(strategies)
    none = strategies["none"]
    assert none["tokens"]["read"] == 0 and none["vs_none"] == 1.0
    bound = report["lower_bound"]["dollars"]
    assert all(s["dollars"] >= bound for s in strategies.values())
    assert strategies["hook"]["dollars"] < none["dollars"] * 0.6
    assert set(report["targets"]) == {
        "hook<=1.10xbound",
        "hook<=1.15xbound",
        "hook<=none",
        "hook<=frameworks",
    }


def test_bench_cost_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.jsonl"
    trace.write(generate("oneshot-1-3m", 2, SMALL), path)
    assert main(["bench", "cost", "--trace", str(path), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| traffic | none $ | hook |")
    assert "lower bound" in out
