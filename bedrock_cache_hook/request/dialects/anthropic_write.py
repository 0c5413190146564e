"""Writing ``cache_control`` into an Anthropic Messages body (copy-on-write), and the prefix
of the marked body derived without reading it again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..planner import PlannedMarker
from ..prefix import Prefix
from .marking import Positions, markers_inside, rewrite

__all__ = ["apply", "control", "marker_ttl", "with_markers"]

MARKER_KEY = "cache_control"


def marker_ttl(value: Any) -> str | None:
    """The ``ttl`` a ``cache_control`` value names (None: the default 5m)."""
    ttl = value.get("ttl") if isinstance(value, Mapping) else None
    return ttl if isinstance(ttl, str) else None


def control(ttl: str | None) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "ephemeral"}
    if ttl is not None and ttl != "5m":
        value["ttl"] = ttl
    return value


def _marked(element: Any, ttl: str | None) -> dict[str, Any]:
    if isinstance(element, str):
        return {"type": "text", "text": element, MARKER_KEY: control(ttl)}
    return {**element, MARKER_KEY: control(ttl)}


def _mark_list(value: Any, positions: Positions) -> list[Any]:
    """A copy of a block list (a string: its one-block form) with the positions marked."""
    out = [value] if isinstance(value, str) else list(value)
    for index, ttl in positions:
        out[index] = _marked(out[index], ttl)
    return out


def apply(
    body: Mapping[str, Any], prefix: Prefix, markers: Sequence[PlannedMarker]
) -> dict[str, Any]:
    """A new body with ``cache_control`` on the planned blocks; the input is left untouched."""
    return {**body, **rewrite(body, prefix, markers, _mark_list, ("tools",))}


def with_markers(
    prefix: Prefix, locations: Sequence[str], markers: Sequence[PlannedMarker]
) -> tuple[Prefix, list[str]]:
    """The prefix and marker locations of the body after :func:`apply` added ``markers``,
    without reading it again (a string ``system`` / ``content`` becomes its one-block list:
    its block keeps its place)."""
    return markers_inside(prefix, locations, markers, _sent_ttl, "tools")


def _sent_ttl(ttl: str | None) -> str | None:
    return marker_ttl(control(ttl))
