"""``bedrock-cache-hook bench cost``: what every strategy pays on each trace, and the bound."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from . import trace as trace_format
from .report import TraceReport, evaluate
from .suite import SHAPES, generate

__all__ = ["add_bench_command", "table"]


def add_bench_command(commands: Any) -> None:
    bench: argparse.ArgumentParser = commands.add_parser(
        "bench", help="benchmarks on the local simulator (no AWS, no network)"
    )
    sub = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    cost = sub.add_parser(
        "cost",
        help="input cost per caching strategy on traffic traces, against a lower bound",
        description=(
            "Replay each trace through a boto3 client against a fresh simulator per strategy "
            "(no markers, the hook at each setting, framework placement rules) and print "
            "input-side dollars, token totals, the perfect-foresight lower bound and the "
            "ratios. Without --trace, the standard suite of generated traffic shapes."
        ),
    )
    cost.add_argument("--trace", action="append", metavar="FILE", help="a JSON-lines trace")
    cost.add_argument("--seed", type=int, default=0, help="seed of the generated suite")
    cost.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cost.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    cost.set_defaults(handler=_run)


def _one(source: tuple[str, str, int]) -> TraceReport:
    # the hook's advice to the replayed workloads (e.g. "system changes on most calls") is
    # what a strategy is judged on, not output
    logging.getLogger("bedrock_cache_hook").setLevel(logging.ERROR)
    kind, name, seed = source
    loaded = trace_format.read(name) if kind == "file" else generate(name, seed)
    return evaluate(loaded)


def table(reports: list[TraceReport]) -> str:
    lines = [
        "| traffic | none $ | hook | best framework | lower bound | hook / bound | targets |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        best = r.cheapest_framework
        none = r.strategies["none"]["dollars"]
        bound = r.bound["dollars"] / none if none else 1.0
        missed = [k for k, ok in r.targets.items() if not ok and k != "hook<=1.10xbound"]
        status = (
            "met"
            if all(r.targets.values())
            else ("missed: " + ", ".join(missed) if missed else "accepted (<= 1.15)")
        )
        lines.append(
            f"| {r.title} | {none:.3f} | {r.ratio('hook'):.3f} | {r.ratio(best):.3f} ({best}) "
            f"| {bound:.3f} | {r.ratio('hook', 'bound'):.3f} | {status} |"
        )
    return "\n".join(lines)


def _details(r: TraceReport) -> str:
    lines = [f"\n{r.name}: {r.title} ({r.calls} calls)"]
    lines.append(
        f"  {'strategy':<20} {'dollars':>10} {'vs none':>8} {'vs bound':>9} "
        f"{'uncached':>10} {'read':>10} {'write 5m':>10} {'write 1h':>10}"
    )
    rows = [(n, s) for n, s in r.strategies.items()]
    rows.append(("lower bound", {"dollars": r.bound["dollars"], "tokens": r.bound["tokens"]}))
    for name, s in rows:
        t = s["tokens"]
        none = r.strategies["none"]["dollars"]
        bound = r.bound["dollars"]
        lines.append(
            f"  {name:<20} {s['dollars']:>10.4f} {s['dollars'] / none:>8.3f} "
            f"{s['dollars'] / bound if bound else 1.0:>9.3f} {t['uncached']:>10} {t['read']:>10} "
            f"{t['write_5m']:>10} {t['write_1h']:>10}"
        )
    for row in r.evidence:
        lines.append(f"  evidence: {json.dumps(row, separators=(',', ':'))}")
    if r.foresight:
        f = r.foresight
        parts = " + ".join(
            f"{label} ({_calls(f[key]['calls'])}) {_usd(f[key]['over_bound_usd'])}"
            for key, label in (
                ("first_sight", "first sightings"),
                ("late_reuse", "late reuses"),
                ("other", "the rest"),
            )
        )
        lines.append(
            f"  over the bound: {_usd(f['total_over_bound_usd'])} = {parts}; hook / bound had "
            f"it matched the bound where foresight was needed: {f['vs_bound_rest_only']:.3f}"
        )
    return "\n".join(lines)


def _usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):.4f}"


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


def _run(args: argparse.Namespace) -> int:
    if args.trace:
        sources = [("file", path, 0) for path in args.trace]
    else:
        sources = [("gen", name, args.seed) for name in SHAPES]
    jobs = max(1, min(args.jobs, len(sources)))
    if jobs == 1:
        reports = [_one(s) for s in sources]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            reports = list(pool.map(_one, sources))
    if args.json:
        json.dump([r.as_json() for r in reports], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(table(reports))
        for r in reports:
            print(_details(r))
    return 0
