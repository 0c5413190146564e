"""Writing markers into Converse params: copy-on-write insertion of ``cachePoint`` elements,
where they landed, and the prefix of the marked request derived without reading it again."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

from ..planner import PlannedMarker
from ..prefix import Block, Marker, Prefix, Section, location
from .marking import BY_PLACE, Positions, rewrite

__all__ = ["apply", "inserted", "marker_element", "with_markers"]

MARKER_KEY = "cachePoint"


def marker_element(ttl: str | None) -> dict[str, Any]:
    point: dict[str, Any] = {"type": "default"}
    if ttl is not None:
        point["ttl"] = ttl
    return {MARKER_KEY: point}


def _insert(elements: Any, positions: Positions) -> list[Any]:
    out = list(elements)
    for index, ttl in sorted(positions, reverse=True):
        out.insert(index + 1, marker_element(ttl))
    return out


def apply(
    params: Mapping[str, Any], prefix: Prefix, markers: Sequence[PlannedMarker]
) -> dict[str, Any]:
    """Top-level replacements that add ``markers``; the caller's objects stay untouched."""
    return rewrite(params, prefix, markers, _insert, ("toolConfig", "tools"))


def inserted(
    prefix: Prefix, markers: Sequence[PlannedMarker]
) -> tuple[tuple[tuple[str | int, ...], int], ...]:
    """Where :func:`apply` put each marker element: (path of its list, final index)."""
    groups: dict[tuple[str | int, ...], list[int]] = {}
    for marker in markers:
        block = prefix.blocks[marker.after]
        if block.section == "tools":
            key: tuple[str | int, ...] = ("toolConfig", "tools")
        elif block.section == "system":
            key = ("system",)
        else:
            key = ("messages", block.path[0], "content")
        groups.setdefault(key, []).append(block.path[-1])
    # inserting after sorted positions p0 < p1 < ... shifts the k-th one by k
    return tuple(
        (key, position + 1 + k)
        for key, positions in groups.items()
        for k, position in enumerate(sorted(positions))
    )


def _list_key(marker_or_block: Marker | Block) -> tuple[Section, int]:
    """The wire list an element sits in: tools, system, or one message's content."""
    path = marker_or_block.path
    return marker_or_block.section, (path[0] if marker_or_block.section == "messages" else -1)


def with_markers(
    prefix: Prefix, locations: Sequence[str], markers: Sequence[PlannedMarker]
) -> tuple[Prefix, list[str]]:
    """The prefix and marker locations of the request after :func:`apply` added ``markers``,
    without reading it again: the blocks are the same; markers already there move down by
    the inserts before them, and each new one sits right after its block."""
    blocks = prefix.blocks
    inserts: dict[tuple[Section, int], list[int]] = {}
    for planned in markers:
        block = blocks[planned.after]
        inserts.setdefault(_list_key(block), []).append(block.path[-1])
    for positions in inserts.values():
        positions.sort()  # so the inserts before a position are counted by bisection
    placed: list[tuple[tuple[int, int], Marker, str]] = []
    for marker, where in zip(prefix.markers, locations, strict=True):
        index = marker.path[-1]
        path = (*marker.path[:-1], index + bisect_left(inserts.get(_list_key(marker), ()), index))
        suffix = ".toolResult" if where.endswith(".toolResult") else ""
        moved = Marker(marker.section, path, marker.after, marker.ttl, marker.problems)
        placed.append(((marker.after, 1), moved, location(marker.section, path) + suffix))
    last = len(blocks) - 1
    shifted: list[int] = []  # blocks after a new marker in the same list move down
    for planned in markers:
        block = blocks[planned.after]
        key = _list_key(block)
        position = block.path[-1]
        path = (*block.path[:-1], position + 1 + bisect_left(inserts[key], position))
        new = Marker(block.section, path, planned.after, planned.ttl)
        placed.append(((planned.after, 0), new, location(block.section, path)))
        if planned.after < last and _list_key(blocks[planned.after + 1]) == key:
            shifted.append(planned.after + 1)
    placed.sort(key=BY_PLACE)
    if shifted:
        blocks = _shift(blocks, shifted, inserts)
    remarked = prefix.remarked(tuple([marker for _, marker, _ in placed]), blocks)
    return remarked, [where for _, _, where in placed]


def _shift(
    blocks: tuple[Block, ...], starts: list[int], inserts: dict[tuple[Section, int], list[int]]
) -> tuple[Block, ...]:
    """``blocks`` with those from each of ``starts`` to the end of its list at their new
    positions (a list's blocks are contiguous in the prefix)."""
    out = list(blocks)
    done: set[int] = set()
    for start in starts:
        i, key = start, _list_key(out[start])
        before = inserts[key]
        while i < len(out) and i not in done and _list_key(out[i]) == key:
            block = out[i]
            index = block.path[-1]
            out[i] = block._replace(path=(*block.path[:-1], index + bisect_left(before, index)))
            done.add(i)
            i += 1
    return tuple(out)
