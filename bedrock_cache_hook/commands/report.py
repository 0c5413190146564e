"""``bedrock-cache-hook report LEDGER.jsonl ...``: what caching did, from JSON-lines ledgers.

Reads the files the JSON-lines exporter writes (``jsonl_path`` /
``BEDROCK_CACHE_HOOK_JSONL_PATH``), from any number of processes, and sums them with the
ledger's own arithmetic: the totals equal ``Ledger.summary()`` over the same records. Lines
that are not records are counted and skipped. Exit status 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from ..ledger import CallRecord, Ledger, ModelSummary
from .common import InputError, fail, print_json, read_text

__all__ = ["add_report_command", "read_records", "summarize"]

_FIELDS = {f.name: f for f in dataclasses.fields(CallRecord)}
_GROUPS: dict[str, Callable[[CallRecord], str]] = {
    "model": lambda r: r.model_id,
    "operation": lambda r: r.operation,
    "status": lambda r: r.status,
    "reason": lambda r: r.miss_reason or "-",
}


def add_report_command(commands: Any) -> None:
    parser = commands.add_parser(
        "report",
        help="calls, hit rate, dollars and miss reasons from JSON-lines ledger files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="LEDGER.jsonl")
    parser.add_argument("--by", choices=sorted(_GROUPS), help="one row per model, ...")
    parser.add_argument("--since", help="only records from this time on (ISO 8601)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def _record(data: Any) -> CallRecord | None:
    if not isinstance(data, dict) or not {"operation", "model_id", "status"} <= data.keys():
        return None
    known = {k: v for k, v in data.items() if k in _FIELDS}
    if isinstance(known.get("plan_notes"), list):
        known["plan_notes"] = tuple(known["plan_notes"])
    try:
        return CallRecord(**known)
    except TypeError:
        return None


def read_records(paths: Iterable[str]) -> tuple[list[CallRecord], int]:
    """Every record in ``paths``, and how many lines were not records."""
    records: list[CallRecord] = []
    skipped = 0
    for path in paths:
        for line in read_text(path).splitlines():
            if not line.strip():
                continue
            try:
                record = _record(json.loads(line))
            except ValueError:
                record = None
            if record is None:
                skipped += 1
            else:
                records.append(record)
    return records, skipped


def _since(value: str) -> float:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--since {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def summarize(records: Iterable[CallRecord]) -> ModelSummary:
    """The ledger's own totals over ``records``."""
    ledger = Ledger(capacity=1)
    for record in records:
        ledger.append(record)
    summary = ledger.summary()
    return ModelSummary(
        **{f.name: getattr(summary, f.name) for f in dataclasses.fields(ModelSummary)}
    )


def _as_json(summary: ModelSummary) -> dict[str, Any]:
    data = dataclasses.asdict(summary)
    data.update(
        hit_rate=summary.hit_rate,
        savings_usd=summary.savings_usd,
        miss_cost_usd=summary.miss_cost_usd,
    )
    return data


def _print(summary: ModelSummary, groups: dict[str, ModelSummary], skipped: int) -> None:
    print(
        f"{summary.calls:,} calls   hit rate {summary.hit_rate:.1%}   cost ${summary.cost_usd:.4f}"
        f"   without caching ${summary.cost_without_cache_usd:.4f}"
        f"   saved ${summary.savings_usd:.4f}   misses cost ${summary.miss_cost_usd:.4f}"
    )
    if groups:
        print(f"\n{'':<40} {'calls':>7} {'hit rate':>9} {'cost $':>10} {'saved $':>10}")
        for name, group in sorted(groups.items(), key=lambda item: -item[1].cost_usd):
            print(
                f"{name:<40} {group.calls:>7,} {group.hit_rate:>9.1%} {group.cost_usd:>10.4f} "
                f"{group.savings_usd:>10.4f}"
            )
    reasons = sorted(summary.by_reason.items(), key=lambda item: -item[1].miss_cost_usd)
    if reasons:
        print(f"\n{'miss reason':<20} {'calls':>7} {'missed tokens':>14} {'miss cost $':>12}")
        for reason, totals in reasons:
            print(
                f"{reason:<20} {totals.calls:>7,} {totals.missed_read_tokens:>14,} "
                f"{totals.miss_cost_usd:>12.4f}"
            )
    if skipped:
        print(f"\n({skipped:,} lines were not ledger records and were skipped)")


def run(args: argparse.Namespace) -> int:
    try:
        records, skipped = read_records(args.files)
        if args.since:
            start = _since(args.since)
            records = [r for r in records if r.timestamp >= start]
    except InputError as exc:
        return fail("report", exc)
    summary = summarize(records)
    groups: dict[str, ModelSummary] = {}
    if args.by:
        key = _GROUPS[args.by]
        buckets: dict[str, list[CallRecord]] = {}
        for record in records:
            buckets.setdefault(key(record), []).append(record)
        groups = {name: summarize(items) for name, items in buckets.items()}
    if args.json:
        print_json(
            {
                "summary": _as_json(summary),
                "by": args.by,
                "groups": {name: _as_json(group) for name, group in groups.items()},
                "skipped_lines": skipped,
            }
        )
    else:
        _print(summary, groups, skipped)
    return 0
