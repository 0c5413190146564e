"""What a prefix derives from its blocks: the hash chain, message and section ends, and the
cumulative token estimates; one pass, or less when a dialect hands over a known run.

A run is a request's leading messages that a dialect found unchanged since an earlier call
(:class:`~.dialects.known.KnownRuns`): whole messages, the same block objects. Its derived
values are kept by the run's blocks tuple and reused when it follows the same head (same
start, chain value, token count and model scale); only the blocks around it are walked.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import accumulate
from operator import attrgetter

from .blocks import Block

__all__ = ["RunHint", "derive"]

#: (run start, the run's blocks as read, the run's blocks as remembered for the next call)
RunHint = tuple[int, tuple[Block, ...], tuple[Block, ...] | None]
Derived = tuple[tuple[bytes, ...], tuple[int, ...], dict[str, int], tuple[int, ...]]

#: a run's values by its blocks tuple: (the tuple, (start, chain value and raw tokens in
#: front of it, base, scale), its chain, its message ends, its cumulative estimates, the chain
#: value and raw tokens at its end)
_Run = tuple[
    tuple[Block, ...],
    tuple[int, int, int, int, float],
    tuple[bytes, ...],
    tuple[int, ...],
    tuple[int, ...],
    int,
    int,
]
_RUNS: dict[int, _Run] = {}
_TOKENS = attrgetter("tokens")
_RUNS_CAP = 1_024
#: the chain, message ends and section ends of a head (the tools and system blocks in front
#: of a known run), by its blocks: the same tools and system come back on every call
_HEADS: dict[tuple[Block, ...], tuple[tuple[bytes, ...], tuple[tuple[str, int], ...], int]] = {}
_HEADS_CAP = 1_024


def derive(blocks: tuple[Block, ...], run: RunHint | None, base: int, scale: float) -> Derived:
    """(chain, message ends, last block per section, cumulative estimates) of ``blocks``."""
    chain: list[bytes] = []
    ends: list[int] = []
    lasts: dict[str, int] = {}
    if run is None:
        _walk(blocks, 0, len(blocks), 0, chain, ends, lasts)
        cumulative, _ = _estimates(blocks, 0, len(blocks), 0, base, scale)
        return tuple(chain), tuple(ends), lasts, tuple(cumulative)
    start, read, kept = run
    running = _head(blocks, start, chain, ends, lasts)
    cumulative, raw = _estimates(blocks, 0, start, 0, base, scale)
    context = (start, running, raw, base, scale)
    position = start
    known = _RUNS.get(id(read)) if read else None
    if known is not None and known[0] is read and known[1] == context:
        chain.extend(known[2])
        ends.extend(known[3])
        cumulative.extend(known[4])
        running, raw = known[5], known[6]
        position = start + len(read)
        lasts["messages"] = position - 1
    _walk(blocks, position, len(blocks), running, chain, ends, lasts)
    rest, _ = _estimates(blocks, position, len(blocks), raw, base, scale)
    cumulative.extend(rest)
    if kept:
        _keep(kept, context, chain, ends, cumulative)
    return tuple(chain), tuple(ends), lasts, tuple(cumulative)


def _keep(
    kept: tuple[Block, ...],
    context: tuple[int, int, int, int, float],
    chain: list[bytes],
    ends: list[int],
    cumulative: list[int],
) -> None:
    start = context[0]
    stop = start + len(kept)
    if len(_RUNS) >= _RUNS_CAP:
        _RUNS.clear()
    _RUNS[id(kept)] = (
        kept,
        context,
        tuple(chain[start:stop]),
        tuple(ends[bisect_left(ends, start) : bisect_left(ends, stop)]),  # ends are sorted
        tuple(cumulative[start:stop]),
        int.from_bytes(chain[stop - 1], "big", signed=True),
        context[2] + sum(map(_TOKENS, kept)),
    )


def _head(
    blocks: tuple[Block, ...],
    start: int,
    chain: list[bytes],
    ends: list[int],
    lasts: dict[str, int],
) -> int:
    """:func:`_walk` over ``blocks[:start]``, from memory when they hold no message (so no
    message end depends on the block after them)."""
    if start == 0 or blocks[start - 1].section == "messages":
        return _walk(blocks, 0, start, 0, chain, ends, lasts)
    head = blocks[:start]
    known = _HEADS.get(head)
    if known is not None:
        chain.extend(known[0])
        lasts.update(known[1])
        return known[2]
    running = _walk(blocks, 0, start, 0, chain, ends, lasts)
    if len(_HEADS) >= _HEADS_CAP:
        _HEADS.clear()
    _HEADS[head] = (tuple(chain), tuple(lasts.items()), running)
    return running


def _walk(  # noqa: PLR0917 - one loop's state
    blocks: tuple[Block, ...],
    start: int,
    stop: int,
    running: int,
    chain: list[bytes],
    ends: list[int],
    lasts: dict[str, int],
) -> int:
    """Chain values, message ends and section ends of ``blocks[start:stop]``."""
    last = len(blocks) - 1
    for index in range(start, stop):
        block = blocks[index]
        # Python's (per-process seeded) hash: the chain links 64-bit block digests, so a
        # keyed blake2b per block bought no strength and cost most of this loop
        running = hash((running, block.digest))
        chain.append(running.to_bytes(8, "big", signed=True))
        section = block.section
        lasts[section] = index
        if section == "messages" and (index == last or blocks[index + 1].path[0] != block.path[0]):
            ends.append(index)
    return running


def _estimates(  # noqa: PLR0917 - a slice and the running state
    blocks: tuple[Block, ...], start: int, stop: int, raw: int, base: int, scale: float
) -> tuple[list[int], int]:
    """Cumulative estimates of ``blocks[start:stop]`` after ``raw`` tokens (base and scale
    applied), and the raw count at the end."""
    if start >= stop:
        return [], raw
    sums = list(accumulate(map(_TOKENS, blocks[start:stop]), initial=raw))[1:]
    if scale == 1.0:
        return (sums if base == 0 else [base + r for r in sums]), sums[-1]
    return [base + math.ceil(r * scale) for r in sums], sums[-1]
