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
with that very list (and what follows each) takes its answer over and looks up only the rest.
Boundaries are chain hashes, so the last one of a kept list found in a request stands for all
of them (and for what follows each but the last, which is compared). That answer is the one a
full lookup would give while no boundary has diverged since (a count of divergences says so)
and none of the list was evicted: each insertion or refresh moves an
entry at most one place towards eviction, so a list refreshed together survives
``capacity - len(list)`` of them. A kept list is refreshed in full again after
``capacity / 4`` of them, so eviction order stays within a quarter of the table of strict LRU.

Not thread-safe on its own: :class:`~.memory.PrefixMemory` calls it under its lock.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
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
#: boundaries held by the kept lists, all together
_LISTED_KEYS = 1_000_000
#: share of the table's capacity in insertions and refreshes after which a kept list's
#: boundaries are refreshed again
_REFRESH_SHARE = 0.25


class _Listed(NamedTuple):
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
        #: boundaries that turned diverged
        self._epoch = 0
        self._lists: OrderedDict[bytes, _Listed] = OrderedDict()
        self._listed_keys = 0

    def shared(
        self, indices: Sequence[int], keys: Sequence[bytes], nexts: Sequence[bytes]
    ) -> int | None:
        """The deepest boundary (block ``indices[i]``, chain hash ``keys[i]``, followed by
        ``nexts[i]``, in prefix order) that earlier requests held with something else after
        it (a request sent again, or a conversation's own history, does not count)."""
        listed, start = self._known(keys, nexts)
        deepest = listed.deepest if listed is not None else -1
        if start < len(keys):
            # what followed each boundary before (an unseen one counts as the same)
            held = map(self.table.get, keys[start:], nexts[start:])
            differs = list(map(ne, held, nexts[start:]))
            if True in differs:
                deepest = len(keys) - 1 - differs[::-1].index(True)
        return indices[deepest] if deepest >= 0 else None

    def register(self, keys: list[bytes], nexts: list[bytes]) -> None:
        """Record what followed each boundary (``DIVERGED`` once that varied) and refresh
        them; the part a kept list covers is left as it is (see the module's docstring)."""
        # the new boundaries' insertions and refreshes come before any eviction: count them
        listed, start = self._known(keys, nexts, coming=True)
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
            deepest = start + position
        deque(map(table.move_to_end, new_keys), maxlen=0)
        self._ops += len(new_keys)
        self._trim()
        if len(keys) >= _SHORTEST_KEPT:
            self._keep(keys, nexts, _Listed(keys, nexts, stamp, self._epoch, deepest))

    def _known(
        self, keys: Sequence[bytes], nexts: Sequence[bytes], coming: bool = False
    ) -> tuple[_Listed | None, int]:
        """The kept list this request's boundaries start with, and its length (``coming``:
        the boundaries after it are about to be inserted or refreshed)."""
        lists, count = self._lists, len(keys)
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
                or listed.epoch != self._epoch
                or ops - listed.stamp > min(self.capacity - size, self.capacity * _REFRESH_SHARE)
            ):
                return None, 0
            # keys are chain hashes: the one found here stands for every boundary before
            # it and what follows each of them but the last, which is compared
            if listed.nexts[-1] != nexts[last]:
                return None, 0
            lists.move_to_end(keys[last])
            return listed, size
        return None, 0

    def _keep(self, keys: list[bytes], nexts: list[bytes], listed: _Listed) -> None:
        self._drop(keys[-1])
        if len(keys) > _LISTED_KEYS:
            return
        while self._lists and (
            len(self._lists) >= _LISTS or self._listed_keys + len(keys) > _LISTED_KEYS
        ):
            _, oldest = self._lists.popitem(last=False)
            self._listed_keys -= len(oldest.keys)
        self._lists[keys[-1]] = listed
        self._listed_keys += len(keys)

    def _drop(self, last: bytes) -> None:
        dropped = self._lists.pop(last, None)
        if dropped is not None:
            self._listed_keys -= len(dropped.keys)

    def _trim(self) -> None:
        table = self.table
        while len(table) > self.capacity:
            table.popitem(last=False)
