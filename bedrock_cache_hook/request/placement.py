"""Where a marker can go in a section: its last markable block, the block the previous
request's tail marker went to, and a capped tail's hedge (the planner's positions)."""

from __future__ import annotations

from collections.abc import Callable

from .memory import TailHit
from .prefix import Prefix

__all__ = ["CAP_HEDGE", "hedge_the_cap", "last_markable", "previous_tail_block"]

#: a capped tail's hedge goes under this share of the cap (token estimates are estimates)
CAP_HEDGE = 0.9


def last_markable(prefix: Prefix, section: str, cap: int | None = None) -> int | None:
    """The section's last block that may carry a marker (within ``cap`` cached tokens)."""
    blocks = prefix.blocks
    index = prefix.last.get(section, -1)
    while index >= 0 and blocks[index].section == section:  # sections are contiguous
        if blocks[index].markable and (cap is None or prefix.cumulative[index] <= cap):
            return index
        index -= 1
    return None


def hedge_the_cap(
    prefix: Prefix, tail: int, cap: int, consider: Callable[[int | None, str, str | None], None]
) -> None:
    """A tail moved back under the model's cap on cached tokens sits where the estimates say
    the cap is; if they overshoot, it caches nothing and the conversation is read uncached on
    every turn. A second checkpoint a margin under the cap keeps most of it read (free on Nova:
    no write premium), and once the conversation is past the cap both stay where they are."""
    if tail == last_markable(prefix, "messages"):
        return  # not capped
    hedge = last_markable(prefix, "messages", int(cap * CAP_HEDGE))
    if hedge is not None and hedge != tail:
        consider(hedge, "cap-hedge", None)


def previous_tail_block(prefix: Prefix, previous: TailHit | None) -> int | None:
    """Where the previous request's tail marker went: the last markable block of the message
    that ended at ``previous.index`` (memory keys tails by their message end)."""
    if previous is None or not previous.marked or not 0 <= previous.index < len(prefix.blocks):
        return None
    message = prefix.blocks[previous.index].path[0]
    for index in range(previous.index, -1, -1):
        block = prefix.blocks[index]
        if block.section != "messages" or block.path[0] != message:
            return None
        if block.markable:
            return index
    return None
