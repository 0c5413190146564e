"""The catalog as rows for people and programs: the ``models`` command and the README table.

One function builds the rows (:func:`rows`), so the command's table, its JSON and the
README's model table can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .entries import ENTRIES, SOURCES, Entry
from .resolve import Resolution, resolve

__all__ = ["COLUMNS", "markdown", "row", "rows", "text"]

#: (key, heading) of every column, in order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("family", "family"),
    ("ids", "model ids"),
    ("min_tokens", "minimum"),
    ("ttls", "TTLs"),
    ("sections", "sections"),
    ("lookback", "lookback"),
    ("input", "input"),
    ("output", "output"),
    ("write_5m", "write 5m"),
    ("write_1h", "write 1h"),
    ("read", "read"),
    ("regional_premium", "regional"),
    ("as_of", "as of"),
    ("sources", "sources"),
    ("inferred", "inferred"),
)
_SECTION_ORDER = ("tools", "system", "messages")


def _entry_row(entry: Entry, resolution: Resolution | None = None) -> dict[str, Any]:
    spec = resolution.spec if resolution is not None and resolution.spec else entry.spec
    prices = resolution.prices if resolution is not None else entry.prices
    return {
        "family": spec.family,
        "ids": [resolution.ref.raw] if resolution is not None else list(entry.stems),
        "min_tokens": spec.min_tokens,
        "ttls": list(spec.ttls),
        "sections": [s for s in _SECTION_ORDER if s in spec.sections],
        "lookback": spec.lookback_blocks,
        "input": prices.input if prices else None,
        "output": prices.output if prices else None,
        "write_5m": prices.write_5m if prices else None,
        "write_1h": prices.write_1h if prices else None,
        "read": prices.read if prices else None,
        "regional_premium": spec.regional_premium,
        "as_of": entry.as_of,
        "sources": list(entry.sources),
        "inferred": resolution.inferred if resolution is not None else False,
        "inferred_from": entry.family if resolution is not None and resolution.inferred else None,
        "note": entry.note,
    }


def rows() -> list[dict[str, Any]]:
    """One row per catalog entry, in catalog order."""
    return [_entry_row(entry) for entry in ENTRIES]


def row(model_id: str, **resolve_kwargs: Any) -> dict[str, Any] | None:
    """The row a model id resolves to (listed or inferred); None when it has no rules."""
    resolution = resolve(model_id, **resolve_kwargs)
    if resolution.entry is None or resolution.spec is None:
        return None
    return _entry_row(resolution.entry, resolution)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key == "regional_premium":
        return f"+{value:.0%}" if value else "-"
    if key == "inferred":
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and key == "min_tokens":
        return f"{value:,}"
    return str(value)


def _cells(item: dict[str, Any], keys: Sequence[str]) -> list[str]:
    return [_cell(key, item[key]) for key in keys]


def text(items: Sequence[dict[str, Any]]) -> str:
    """An aligned plain-text table (prices in USD per 1M tokens); sources for a single row."""
    keys = [k for k, _ in COLUMNS if k not in ("ids", "sources")]
    table = [[h for k, h in COLUMNS if k in keys], *(_cells(i, keys) for i in items)]
    widths = [max(len(line[c]) for line in table) for c in range(len(keys))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in table]
    for item in items:
        if item.get("inferred_from"):
            out.append(f"{item['ids'][0]}: rules inferred from {item['inferred_from']}")
        if item["note"]:
            out.append(f"{item['family']}: {item['note']}")
    if len(items) == 1:
        out.extend(f"source {key}: {SOURCES[key]}" for key in items[0]["sources"])
    return "\n".join(line.rstrip() for line in out)


def markdown() -> str:
    """The README's model table, notes and sources (generated; a test keeps them equal)."""
    keys = [k for k, _ in COLUMNS if k not in ("inferred", "sources")]
    heads = [h for k, h in COLUMNS if k in keys]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for item in rows():
        cells = _cells(item, keys)
        cells[1] = ", ".join(f"`{stem}`" for stem in item["ids"])
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.extend(f"- **{i['family']}**: {i['note']}" for i in rows() if i["note"])
    lines.append("")
    lines.append("Sources:")
    lines.extend(f"- `{key}`: {text}" for key, text in SOURCES.items())
    return "\n".join(lines)
