"""Judge one trace: replay it per strategy, compute the bound, check the targets.

Targets (issue 10): the hook at its defaults costs at most 1.10x the lower bound (accepted at
1.15x), at most what sending no markers costs (0.5% tolerance) and at most what the cheapest
framework rule costs (0.5% tolerance). When one is missed, ``evidence`` lists the calls
where the hook paid most over the bound, with what each did (token counts only) and each
call's reuse gap, and ``foresight`` splits the hook's excess into first sightings, late
reuses (a prefix back after more than 5 minutes) and the rest (:mod:`.reuse`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .bound import lower_bound
from .replay import Run, replay
from .reuse import foresight, reuse_gaps
from .strategies import STRATEGIES, Strategy
from .trace import Trace

__all__ = ["BOUND_ACCEPTED", "BOUND_TARGET", "TOLERANCE", "TraceReport", "evaluate"]

BOUND_TARGET = 1.10
BOUND_ACCEPTED = 1.15
TOLERANCE = 1.005
EVIDENCE_ROWS = 8


@dataclass
class TraceReport:
    name: str
    title: str
    calls: int
    #: per strategy: dollars, token totals, errors
    strategies: dict[str, dict[str, Any]]
    bound: dict[str, Any]
    targets: dict[str, bool] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    #: the hook's excess over the bound by what an online planner could know (missed targets)
    foresight: dict[str, Any] = field(default_factory=dict)

    def ratio(self, strategy: str, to: str = "none") -> float:
        base = self.bound["dollars"] if to == "bound" else self.strategies[to]["dollars"]
        value = self.strategies[strategy]["dollars"]
        return value / base if base > 0 else 1.0

    @property
    def cheapest_framework(self) -> str:
        names = [n for n, s in self.strategies.items() if s["kind"] == "framework"]
        return min(names, key=lambda n: self.strategies[n]["dollars"])

    def as_json(self) -> dict[str, Any]:
        return {
            "trace": self.name,
            "title": self.title,
            "calls": self.calls,
            "strategies": {
                name: {
                    **s,
                    "vs_none": round(self.ratio(name), 4),
                    "vs_bound": round(self.ratio(name, "bound"), 4),
                }
                for name, s in self.strategies.items()
            },
            "lower_bound": self.bound,
            "targets": self.targets,
            "evidence": self.evidence,
            "foresight": self.foresight,
        }


def _summary(run: Run, strategy: Strategy) -> dict[str, Any]:
    return {
        "kind": strategy.kind,
        "dollars": round(run.dollars, 6),
        "tokens": run.tokens(),
        "errors": run.errors,
    }


def _evidence(
    trace: Trace, hook: Run, bound_calls: list[dict[str, float]], gaps: list[float | None]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous = 0.0
    paired = zip(trace.calls, hook.calls, bound_calls, gaps, strict=True)
    for index, (call, cost, best, reuse) in enumerate(paired):
        rows.append(
            {
                "call": index,
                "t": round(call.at, 1),
                "gap_s": round(call.at - previous, 1),
                "reuse_gap_s": None if reuse is None else round(reuse, 1),
                "over_bound_usd": round(cost.dollars - best["dollars"], 6),
                "hook": {
                    "read": cost.read,
                    "write_5m": cost.write_5m,
                    "write_1h": cost.write_1h,
                    "uncached": cost.uncached,
                },
                "bound": {k: int(v) for k, v in best.items() if k != "dollars"},
            }
        )
        previous = call.at
    rows.sort(key=lambda row: -row["over_bound_usd"])
    return rows[:EVIDENCE_ROWS]


def evaluate(trace: Trace, strategies: list[Strategy] | None = None) -> TraceReport:
    runs: dict[str, tuple[Run, Strategy]] = {}
    for strategy in strategies or STRATEGIES:
        runs[strategy.name] = (replay(trace, strategy), strategy)
    bound = lower_bound(trace)
    report = TraceReport(
        trace.name,
        trace.title or trace.name,
        len(trace.calls),
        {name: _summary(run, s) for name, (run, s) in runs.items()},
        {"dollars": round(bound.dollars, 6), "tokens": dict(bound.tokens)},
    )
    if "hook" in runs and "none" in runs:
        hook = report.strategies["hook"]["dollars"]
        frameworks = [s["dollars"] for s in report.strategies.values() if s["kind"] == "framework"]
        vs_bound = report.ratio("hook", "bound")
        report.targets = {
            "hook<=1.10xbound": vs_bound <= BOUND_TARGET,
            "hook<=1.15xbound": vs_bound <= BOUND_ACCEPTED,
            "hook<=none": hook <= report.strategies["none"]["dollars"] * TOLERANCE,
            "hook<=frameworks": not frameworks or hook <= min(frameworks) * TOLERANCE,
        }
        if not all(report.targets.values()):
            run, gaps = runs["hook"][0], reuse_gaps(trace)
            report.evidence = _evidence(trace, run, bound.calls, gaps)
            over = [c.dollars - b["dollars"] for c, b in zip(run.calls, bound.calls, strict=True)]
            report.foresight = foresight(gaps, over, bound.dollars)
    return report
