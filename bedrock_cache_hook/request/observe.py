"""What memory says about a request before it is planned: its previous tail, its anchor's
record, the boundaries other requests share (:class:`~.plan_types.Observations`).

The boundaries (every message end but the last, and the first message's inner block ends)
sit where markers do not change the chain, so the processor reads their hashes once, for
observing and for remembering.
"""

from __future__ import annotations

from .memory import PrefixMemory
from .plan_types import Observations
from .prefix import FIVE_MINUTES, ONE_HOUR, Prefix

__all__ = ["boundaries", "boundary_hashes", "observe", "outer_hash"]


def boundaries(prefix: Prefix) -> list[int]:
    """Earlier boundaries other requests may share: every message end but the last, and every
    content-block end inside the first message (a document before the question)."""
    ends = prefix.ends
    if not ends:
        return []
    # the first message's blocks are contiguous and end at ends[0]: walk back from there
    blocks, inner = prefix.blocks, []
    i = ends[0] - 1
    while i >= 0 and blocks[i].section == "messages" and blocks[i].path[0] == 0:
        inner.append(i)
        i -= 1
    inner.reverse()
    return inner + list(ends[:-1])


def outer_hash(prefix: Prefix) -> bytes | None:
    """The chain hash through the tools, when a system prompt follows them."""
    tools = prefix.section_end("tools")
    if tools is None or prefix.section_end("system") is None:
        return None
    return prefix.chain[tools]


def boundary_hashes(prefix: Prefix) -> tuple[list[int], list[bytes], list[bytes]]:
    """:func:`boundaries`, with the chain hash at each and the one after it."""
    shared, at = boundaries(prefix), prefix.chain.__getitem__
    return shared, list(map(at, shared)), list(map(at, map(_NEXT, shared)))


_NEXT = (1).__add__


def observe(
    memory: PrefixMemory,
    prefix: Prefix,
    now: float,
    longest_ttl: float,
    bounds: tuple[list[int], list[bytes], list[bytes]],
) -> tuple[Observations, bytes | None]:
    stable = prefix.stable_end()
    anchor = prefix.chain[stable] if stable >= 0 else None
    outer = outer_hash(prefix)
    outer_stats = memory.anchor(outer)
    ends, chain = prefix.ends, prefix.chain
    # the request's own end too: an identical re-send reads what the first one wrote; lazily,
    # newest first: the search usually stops at the first or second end
    earlier = ((i, chain[i]) for i in reversed(ends))
    # a conversation continued within the longest TTL in use is still one (with 1h: within
    # the hour, its tail may hold a 1h entry)
    previous = memory.find_previous_tail(earlier, longest_ttl, now) if ends else None
    stats = memory.anchor(anchor)
    read_through = None
    if previous is not None and now - previous.seen < (ONE_HOUR if previous.hour else FIVE_MINUTES):
        read_through = previous.index
    elif stats is not None and stats.requests:
        if now - stats.last_seen < FIVE_MINUTES:
            read_through = stable
        elif (held := stats.hour_entry(now)) >= 0:  # a pause: its 1h entry outlives it
            read_through = held
    observations = Observations(
        previous_tail=previous,
        anchor=stats,
        read_through=read_through,
        gap=now - stats.last_seen if stats is not None and stats.requests else None,
        now=now,
        churn=stats is None
        and outer_stats is not None
        and outer_stats.requests >= 2
        and outer_stats.fresh_inner * 2 >= outer_stats.requests,
        anchors_mostly_unused=memory.anchors_mostly_unused(),
        first_messages=memory.first_message_counts(),
        shared_boundary=memory.shared_boundary(*bounds) if bounds[0] else None,
    )
    return observations, anchor
