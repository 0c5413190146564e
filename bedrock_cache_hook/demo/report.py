"""Render the demo as text (progress, per-call table, summary) or as JSON."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TextIO

from . import scenario
from .runner import CallRow, DemoResult, RunResult

_HEADER = (
    f"{'#':>2}  {'step':<44} {'op':<6} {'status':<8} {'read':>7} {'write':>7} "
    f"{'uncached':>8} {'markers':>8} {'TTFT ms':>8} {'$':>8}  why it missed"
)


def progress_line(run: str, row: CallRow, total: int) -> str:
    pause = f" (after a {row.paused_s / 60:.0f}-minute pause)" if row.paused_s else ""
    return (
        f"  [{run}] call {row.index:>2}/{total} {row.status:<8} read {row.read:>6,} "
        f"write {row.write:>6,} uncached {row.uncached:>6,}  ${row.cost_usd:.4f}{pause}"
    )


def _row(row: CallRow) -> str:
    op = "stream" if row.operation == "ConverseStream" else "call"
    markers = f"{row.markers} (+{row.injected})" if row.injected else str(row.markers)
    label = row.label if len(row.label) <= 44 else row.label[:41] + "..."
    return (
        f"{row.index:>2}  {label:<44} {op:<6} {row.status:<8} {row.read:>7,} {row.write:>7,} "
        f"{row.uncached:>8,} {markers:>8} {row.first_token_ms:>8,} {row.cost_usd:>8.4f}"
        f"  {row.reason or '-'}"
    )


def _table(run: RunResult) -> list[str]:
    lines = [f"{run.name}:", _HEADER]
    lines += [_row(row) for row in run.rows]
    return lines


def write_text(result: DemoResult, out: TextIO) -> None:
    sizes = scenario.describe()
    print(file=out)
    print(
        f"Session: {sizes['calls']} calls to {result.model_id}, a {sizes['system_chars']:,}-"
        f"character system prompt, {sizes['tools']} tools, one 12-way parallel tool fan-out, "
        "one 6-minute pause (virtual clock).",
        file=out,
    )
    for run in (result.without, result.with_hook):
        print(file=out)
        print("\n".join(_table(run)), file=out)
    base, hooked = result.without, result.with_hook
    print(file=out)
    print("Summary", file=out)
    for run in (base, hooked):
        print(
            f"  {run.name:<17} hit rate {run.hit_rate:6.1%}   cost ${run.cost_usd:.4f}   "
            f"mean time to first token {run.mean_first_token_ms:,.0f} ms",
            file=out,
        )
    print(
        f"  savings           ${result.savings_usd:.4f} ({result.savings_pct:.1f}%), "
        f"time to first token {result.first_token_gain_pct:.1f}% faster",
        file=out,
    )
    print(
        "  (simulated Bedrock, prices from the built-in table; no AWS account, no network)",
        file=out,
    )


def as_json(result: DemoResult) -> dict[str, Any]:
    def run(r: RunResult) -> dict[str, Any]:
        return {
            "name": r.name,
            "hit_rate": r.hit_rate,
            "cost_usd": r.cost_usd,
            "mean_first_token_ms": r.mean_first_token_ms,
            "calls": [dataclasses.asdict(row) for row in r.rows],
        }

    return {
        "model_id": result.model_id,
        "session": scenario.describe(),
        "without_hook": run(result.without),
        "with_hook": run(result.with_hook),
        "savings_usd": result.savings_usd,
        "savings_pct": result.savings_pct,
        "first_token_gain_pct": result.first_token_gain_pct,
    }


def write_json(result: DemoResult, out: TextIO) -> None:
    json.dump(as_json(result), out, indent=2)
    print(file=out)
