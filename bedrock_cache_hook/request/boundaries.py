"""Message boundaries across requests: what followed each one, to find the prefixes that
different requests share (few-shot turns, a document every conversation starts with).

A boundary is the chain hash through a message end (or a block end inside the first
message); the table maps it to the chain hash of the block after it, or to ``DIVERGED`` once
different requests continued it differently. A boundary is *shared* for a request when the
table holds something else after it than the request has. The table is bounded, oldest
refreshed first out.

A conversation re-sends its history on every turn, so most of a request's boundaries are the
previous request's. Those are not looked up and refreshed one by one again: the list a
request registered is kept (by its last boundary), and a later request whose boundaries start
with that very list takes its answer over and looks up only the rest. A kept list is the
request's start when the boundaries sit at the same blocks and the last one's chain hash and
the hash after it are the same (a chain hash stands for everything before it; the positions,
for how it was cut into messages). Its answer is the one a full lookup would give while none
of its boundaries diverged since (the recent divergences are kept, and looked for in it) and
none of it was evicted: each insertion or refresh moves an entry at most one place towards
eviction, so a list refreshed together survives ``capacity - len(list)`` of them; then it is
looked up and refreshed in full again. So a conversation in use never loses its boundaries;
one that stopped may lose its own sooner than strict LRU would (they were refreshed less
often). The kept lists hold at most twice the table's entries.

Not thread-safe on its own: :class:`~.memory.PrefixMemory` calls it under its lock.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from itertools import islice
from operator import ne
from typing import NamedTuple

__all__ = ["DIVERGED", "Boundaries"]

#: what a boundary maps to once different requests continued it differently
DIVERGED = b""
#: boundaries from the end of a request where the previous request's list is looked for (a
#: turn adds a message or two; a tool fan-out a few)
_PROBES = 8
#: lists shorter than this are looked up in full: cheaper than finding a kept one
_SHORTEST_KEPT = 12
_LISTS = 1_024
#: boundaries held by the kept lists, all together, per entry of the table
_LISTED_SHARE = 2
#: divergences remembered: a kept list older than this many is looked up in full again
_DIVERGENCES = 64


class _Listed(NamedTuple):
    indices: list[int]
    keys: list[bytes]
    nexts: list[bytes]
    #: the operation count when its oldest entries were last refreshed
    stamp: int
    #: the divergence count its answer was taken at
    epoch: int
    #: its deepest diverged position (-1: none)
    deepest: int


class Boundaries:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.table: OrderedDict[bytes, bytes] = OrderedDict()
        #: insertions and refreshes: how far any entry can have moved towards eviction
        self._ops = 0
        #: boundaries that turned diverged: how many, and the latest ones
        self._epoch = 0
        self._diverged: deque[bytes] = deque(maxlen=_DIVERGENCES)
        self._lists: OrderedDict[bytes, _Listed] = OrderedDict()
        self._listed_keys = 0

    def shared(
        self, indices: Sequence[int], keys: Sequence[bytes], nexts: Sequence[bytes]
    ) -> int | None:
        """The deepest boundary (block ``indices[i]``, chain hash ``keys[i]``, followed by
        ``nexts[i]``, in prefix order) that earlier requests held with something else after
        it (a request sent again, or a conversation's own history, does not count)."""
        listed, start = self._known(indices, keys, nexts)
        deepest = listed.deepest if listed is not None else -1
        if start < len(keys):
            # what followed each boundary before (an unseen one counts as the same)
            held = map(self.table.get, keys[start:], nexts[start:])
            differs = list(map(ne, held, nexts[start:]))
            if True in differs:
                deepest = len(keys) - 1 - differs[::-1].index(True)
        return indices[deepest] if deepest >= 0 else None

    def register(self, indices: list[int], keys: list[bytes], nexts: list[bytes]) -> None:
        """Record what followed each boundary (``DIVERGED`` once that varied) and refresh
        them; the part a kept list covers is left as it is (see the module's docstring)."""
        # the new boundaries' insertions and refreshes come before any eviction: count them
        listed, start = self._known(indices, keys, nexts, coming=True)
        if listed is not None:
            self._drop(keys[start - 1])
            stamp, deepest = listed.stamp, listed.deepest
        else:
            stamp, deepest = self._ops, -1
        table = self.table
        new_keys, new_nexts = keys[start:], nexts[start:]
        held = list(map(table.get, new_keys))
        differs = list(map(ne, held, new_nexts))
        position = -1
        while True:
            try:
                position = differs.index(True, position + 1)
            except ValueError:
                break
            before = held[position]
            if before is None:
                table[new_keys[position]] = new_nexts[position]
                continue
            if before is not DIVERGED:
                table[new_keys[position]] = DIVERGED
                self._epoch += 1
                self._diverged.append(new_keys[position])
            deepest = start + position
        deque(map(table.move_to_end, new_keys), maxlen=0)
        self._ops += len(new_keys)
        self._trim()
        if _SHORTEST_KEPT <= len(keys) < self.capacity:
            self._keep(_Listed(indices, keys, nexts, stamp, self._epoch, deepest))

    def _known(
        self,
        indices: Sequence[int],
        keys: Sequence[bytes],
        nexts: Sequence[bytes],
        coming: bool = False,
    ) -> tuple[_Listed | None, int]:
        """The kept list this request's boundaries start with, and its length (``coming``:
        the boundaries after it are about to be inserted or refreshed). A kept list found
        but no longer valid is dropped."""
        count = len(keys)
        if count < _SHORTEST_KEPT:
            return None, 0
        for last in range(count - 1, max(count - 1 - _PROBES, -1), -1):
            listed = self._lists.get(keys[last])
            if listed is None:
                continue
            size = last + 1
            ops = self._ops + (count - size if coming else 0)
            if (
                len(listed.keys) != size
                or ops - listed.stamp > self.capacity - size
                or listed.nexts[-1] != nexts[last]
                or not _starts(indices, listed.indices)
                or self._diverged_in(listed)
            ):
                self._drop(keys[last])
                return None, 0
            self._lists.move_to_end(keys[last])
            return listed, size
        return None, 0

    def _diverged_in(self, listed: _Listed) -> bool:
        """Whether a boundary of ``listed`` diverged after its answer was taken (or more
        diverged since than are remembered)."""
        since = self._epoch - listed.epoch
        if since == 0:
            return False
        if since > len(self._diverged):
            return True
        recent = islice(self._diverged, len(self._diverged) - since, None)
        return not set(recent).isdisjoint(listed.keys)

    def _keep(self, listed: _Listed) -> None:
        last = listed.keys[-1]
        self._drop(last)
        most = _LISTED_SHARE * self.capacity
        while self._lists and (
            len(self._lists) >= _LISTS or self._listed_keys + len(listed.keys) > most
        ):
            _, oldest = self._lists.popitem(last=False)
            self._listed_keys -= len(oldest.keys)
        self._lists[last] = listed
        self._listed_keys += len(listed.keys)

    def _drop(self, last: bytes) -> None:
        dropped = self._lists.pop(last, None)
        if dropped is not None:
            self._listed_keys -= len(dropped.keys)

    def _trim(self) -> None:
        table = self.table
        while len(table) > self.capacity:
            table.popitem(last=False)


def _starts(values: Sequence[int], head: list[int]) -> bool:
    """Whether ``values`` starts with ``head`` (block positions: small ints, compared at C
    speed)."""
    if len(values) == len(head):
        return values == head
    return len(values) > len(head) and list(values[: len(head)]) == head
