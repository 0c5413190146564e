"""Writing a plan into a request, copy-on-write, for every dialect: the planned markers are
grouped by the wire list their block sits in (tools, system, one message's content), and only
those lists, and the dicts above them, are rebuilt; each dialect says how a list is marked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..planner import PlannedMarker
from ..prefix import Prefix

__all__ = ["ListEdit", "Positions", "rewrite"]

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
