"""Writing a plan into a request, copy-on-write, for every dialect: the planned markers are
grouped by the wire list their block sits in (tools, system, one message's content), and only
those lists, and the dicts above them, are rebuilt; each dialect says how a list is marked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from ..planner import PlannedMarker
from ..prefix import Marker, Prefix, location

__all__ = ["BY_PLACE", "ListEdit", "Positions", "markers_inside", "rewrite"]

#: sorts ``((block index, 0 new / 1 the caller's), marker, location)`` rows as a read finds them
BY_PLACE = itemgetter(0)
#: (index of a marked block in its list, the marker's TTL), in plan order
Positions = list[tuple[int, str | None]]
#: a copy of one wire list with the given positions marked
ListEdit = Callable[[Any, Positions], list[Any]]


def rewrite(
    params: Mapping[str, Any],
    prefix: Prefix,
    markers: Sequence[PlannedMarker],
    edit: ListEdit,
    tools_key: tuple[str, ...] | None,
) -> dict[str, Any]:
    """The top-level keys of ``params`` that change, new objects all the way down to each
    marked list (``params`` and everything it holds are left untouched). ``tools_key`` is
    where the tools list sits (``("toolConfig", "tools")`` / ``("tools",)``); None for a
    dialect that never marks tools."""
    tools: Positions = []
    system: Positions = []
    per_message: dict[int, Positions] = {}
    for marker in markers:
        block = prefix.blocks[marker.after]
        if block.section == "tools":
            tools.append((block.path[0], marker.ttl))
        elif block.section == "system":
            system.append((block.path[0], marker.ttl))
        else:
            per_message.setdefault(block.path[0], []).append((block.path[1], marker.ttl))
    out: dict[str, Any] = {}
    if tools and tools_key is not None:
        if len(tools_key) == 2:
            outer = dict(params[tools_key[0]])
            outer[tools_key[1]] = edit(outer[tools_key[1]], tools)
            out[tools_key[0]] = outer
        else:
            out[tools_key[0]] = edit(params[tools_key[0]], tools)
    if system:
        out["system"] = edit(params["system"], system)
    if per_message:
        messages = list(params["messages"])
        for m, positions in per_message.items():
            message = dict(messages[m])
            message["content"] = edit(message["content"], positions)
            messages[m] = message
        out["messages"] = messages
    return out


def markers_inside(
    prefix: Prefix,
    locations: Sequence[str],
    markers: Sequence[PlannedMarker],
    sent_ttl: Callable[[str | None], str | None],
    tools_key: str,
) -> tuple[Prefix, list[str]]:
    """The prefix and marker locations after ``markers`` were written inside the blocks
    they cache (Anthropic's ``cache_control``, Nova's ``cachePoint``), without reading the
    body again: blocks keep their places, each new marker sits at its block, ahead of a
    caller's marker after the same block (as a read finds them); ``sent_ttl``: the TTL a
    read finds in what was written for a planned one."""
    placed: list[tuple[tuple[int, int], Marker, str]] = [
        ((marker.after, 1), marker, where)
        for marker, where in zip(prefix.markers, locations, strict=True)
    ]
    for planned in markers:
        block = prefix.blocks[planned.after]
        new = Marker(block.section, block.path, planned.after, sent_ttl(planned.ttl))
        placed.append(((planned.after, 0), new, location(block.section, block.path, tools_key)))
    placed.sort(key=BY_PLACE)
    remarked = prefix.remarked(tuple([marker for _, marker, _ in placed]), prefix.blocks)
    return remarked, [where for _, _, where in placed]
