"""Reuse gaps and the foresight split of the hook's cost over the bound."""

from __future__ import annotations

import pytest

from bedrock_cache_hook.bench.command import _details
from bedrock_cache_hook.bench.report import evaluate
from bedrock_cache_hook.bench.reuse import foresight, reuse_gaps
from bedrock_cache_hook.bench.strategies import STRATEGIES
from bedrock_cache_hook.bench.text import filler
from bedrock_cache_hook.bench.trace import Trace, TraceCall

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _kwargs(model: str, *turns: str, tokens: int = 1_500) -> dict[str, object]:
    roles = ("user", "assistant")
    messages = [
        {"role": roles[i % 2], "content": [{"text": filler(tokens, seed)}]}
        for i, seed in enumerate(turns)
    ]
    return {"modelId": model, "messages": messages}


def test_the_gap_is_to_the_last_sending_of_the_longest_shared_prefix() -> None:
    first = _kwargs(SONNET_45, "q")
    calls = (
        TraceCall(0.0, "Converse", first),
        TraceCall(400.0, "Converse", first),  # the same request again
        TraceCall(410.0, "Converse", _kwargs(SONNET_45, "other")),  # nothing shared
        TraceCall(415.0, "Converse", _kwargs(HAIKU_45, "q")),  # same text, another model
        TraceCall(450.0, "Converse", _kwargs(SONNET_45, "q", "a", "q2")),  # continues it
    )
    assert reuse_gaps(Trace("t", calls)) == [None, 400.0, None, None, 50.0]


def test_foresight_splits_the_excess_and_prices_the_rest_alone() -> None:
    split = foresight([None, 400.0, 50.0, 700.0], [-1.0, 3.0, 0.5, 1.5], bound=10.0)
    assert split["first_sight"] == {"calls": 1, "over_bound_usd": -1.0}
    assert split["late_reuse"] == {"calls": 2, "over_bound_usd": 4.5}
    assert split["other"] == {"calls": 1, "over_bound_usd": 0.5}
    assert split["total_over_bound_usd"] == 4.0
    assert split["vs_bound_rest_only"] == pytest.approx(1.05)


def test_a_missed_target_reports_the_reuse_gap_and_the_split() -> None:
    request = _kwargs(SONNET_45, "doc", tokens=6_000)  # a document: marked on first sight
    trace = Trace("late", tuple(TraceCall(t, "Converse", request) for t in (0.0, 400.0, 430.0)))
    strategies = [s for s in STRATEGIES if s.name in ("none", "hook")]
    report = evaluate(trace, strategies)
    assert not report.targets["hook<=1.10xbound"]  # the first gap could not be foreseen
    late = next(row for row in report.evidence if row["call"] == 1)
    assert late["reuse_gap_s"] == 400.0 and late["over_bound_usd"] > 0
    split = report.foresight
    parts = sum(split[k]["over_bound_usd"] for k in ("first_sight", "late_reuse", "other"))
    assert parts == pytest.approx(split["total_over_bound_usd"], abs=1e-5)
    hook, bound = report.strategies["hook"]["dollars"], report.bound["dollars"]
    assert split["total_over_bound_usd"] == pytest.approx(hook - bound, abs=1e-5)
    # the one call after the gap read what the hook wrote before it: nothing else to blame
    assert split["other"]["over_bound_usd"] == pytest.approx(0.0, abs=1e-6)
    assert split["vs_bound_rest_only"] == pytest.approx(1.0, abs=1e-3)
    assert "first sightings (1 call)" in _details(report)
    assert "late reuses (1 call)" in _details(report)
