"""What the planner learns across calls: hashes and counts only, bounded and thread-safe.

- tails: for every request, the hash of its prefix through its last message, with when it
  was seen and whether we marked it. A later request whose prefix contains such a hash at a
  message boundary *continues* that conversation: that proves continuation (for the tail
  decision) and, when the earlier tail was marked, is where its cache entry sits (for the
  "previous tail" marker after a wide tool fan-out).
- boundaries: how many requests contained the prefix through each message end. A boundary
  that recurs in different requests, with different endings after it (few-shot examples,
  a shared document in the first message), is a stable anchor inside ``messages``.
- anchors: per stable-prefix fingerprint (hash through the end of system, or tools), how
  often requests on it continue an earlier one, when it was last seen and the longest gap
  between uses (for ``ttl="auto"``), whether new anchors get reused at all, and where a 1h
  entry on it likely lives (a late turn reads that part whatever the tail asks).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..frozen import fast_init
from .boundaries import Boundaries
from .prefix import FIVE_MINUTES, ONE_HOUR

__all__ = ["AnchorStats", "PrefixMemory", "TailHit"]

DEFAULT_CAPACITY = 20_000


@dataclass
class AnchorStats:
    requests: int = 0  # requests seen on this anchor
    continued: int = 0  # of those, how many a later request continued
    last_seen: float = 0.0
    longest_gap: float = 0.0
    #: of the ``requests - 1`` gaps between uses, how many were within 5 minutes / 1 hour
    within_5m: int = 0
    within_1h: int = 0
    #: for the tools prefix: requests on it whose system prompt had not been seen before
    fresh_inner: int = 0
    #: continuations of its conversations (an earlier tail found in a later request, an
    #: identical re-send included), and how many of them came 5-60 minutes after the tail
    continuations: int = 0
    late_continuations: int = 0
    #: the deepest block of the stable prefix a 1h entry holds (-1: none), and when that
    #: entry was last written or read: while it lives, a late request still reads it
    hour_index: int = -1
    hour_seen: float = 0.0

    def hour_entry(self, now: float) -> int:
        """The block its 1h entry ends at, when that entry is likely still live; else -1."""
        return self.hour_index if now - self.hour_seen < ONE_HOUR else -1


@dataclass
class _Tail:
    anchor: bytes | None
    seen: float  # when it was last written or read (its entry's refresh)
    marked: bool
    continued: bool = False
    hour: bool = False  # its marker asked for 1h
    first: bool = False  # a lone first message (no assistant turn yet)

    def live(self, now: float) -> bool:
        """Whether its entry is likely still there (marked, within its TTL since last use)."""
        return self.marked and now - self.seen < (ONE_HOUR if self.hour else FIVE_MINUTES)


@fast_init
@dataclass(frozen=True)
class TailHit:
    """An earlier request's tail found inside the current prefix."""

    index: int  # block index in the current prefix
    seen: float
    marked: bool
    #: its marker asked for 1h (its entry may outlive a 5-60 minute pause)
    hour: bool = False


class PrefixMemory:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._tails: OrderedDict[bytes, _Tail] = OrderedDict()
        self._anchors: OrderedDict[bytes, AnchorStats] = OrderedDict()
        self._boundaries = Boundaries(capacity)
        self.new_anchors = 0
        self.reused_anchors = 0
        #: lone first messages seen, and how many of them a later request continued
        self.first_messages = 0
        self.first_messages_continued = 0

    def _trim(self) -> None:
        while len(self._tails) > self._capacity:
            self._tails.popitem(last=False)
        while len(self._anchors) > self._capacity:
            self._anchors.popitem(last=False)

    def find_previous_tail(
        self, hashes: Iterable[tuple[int, bytes]], max_age: float, now: float
    ) -> TailHit | None:
        """The latest earlier tail among ``(block index, chain hash)`` boundaries, newest first.

        Counts the continuation for that tail's anchor when it is recent (every request that
        brings the prefix back: the next turn, a fan-out's parallel calls, an identical
        re-send), and whether it came 5-60 minutes after the tail. When that tail's entry has
        expired but an older tail's 1h entry is still live, that older one is returned: it is
        what this request can still read (and, marked again, keeps alive).
        """
        with self._lock:
            latest: TailHit | None = None
            for index, chain_hash in hashes:
                tail = self._tails.get(chain_hash)
                if tail is None:
                    continue
                if latest is None:
                    gap = now - tail.seen
                    if gap > max_age:
                        return None
                    stats = self._anchors.get(tail.anchor) if tail.anchor is not None else None
                    if stats is not None:
                        # every request that brings the prefix back counts, re-sends too
                        stats.continued += 1
                        stats.continuations += 1
                        stats.late_continuations += FIVE_MINUTES < gap <= ONE_HOUR
                    latest = TailHit(index, tail.seen, tail.marked, tail.hour)
                    if tail.first and not tail.continued:
                        self.first_messages_continued += 1
                    tail.continued = True
                if tail.live(now):
                    hit = TailHit(index, tail.seen, tail.marked, tail.hour)
                    tail.seen = now  # this request reads it, which refreshes the entry
                    return hit
            return latest

    def shared_boundary(
        self, indices: Sequence[int], keys: Sequence[bytes], nexts: Sequence[bytes]
    ) -> int | None:
        """The deepest boundary (block ``indices[i]``, chain hash ``keys[i]``, followed by
        ``nexts[i]``, in prefix order) that earlier requests held with something else after it:
        a prefix shared by different requests (a request sent again, or a conversation's own
        history, does not count)."""
        with self._lock:
            return self._boundaries.shared(indices, keys, nexts)

    def anchor(self, fingerprint: bytes | None) -> AnchorStats | None:
        if fingerprint is None:
            return None
        with self._lock:
            stats = self._anchors.get(fingerprint)
            if stats is None:
                return None
            snapshot = object.__new__(AnchorStats)  # a copy: the live one keeps changing
            snapshot.__dict__.update(stats.__dict__)
            return snapshot

    def first_message_counts(self) -> tuple[int, int]:
        """(lone first messages seen, how many of them a later request continued)."""
        with self._lock:
            return self.first_messages, self.first_messages_continued

    def anchors_mostly_unused(self) -> bool:
        """True once many new anchors were seen and almost none came back."""
        return self.new_anchors >= 10 and self.reused_anchors * 10 < self.new_anchors

    def remember(
        self,
        *,
        anchor: bytes | None,
        tail: bytes | None,
        marked_tail: bool,
        now: float,
        hour_tail: bool = False,
        first_message: bool = False,
        boundaries: tuple[list[int], list[bytes], list[bytes]] | None = None,
        outer: bytes | None = None,
        anchor_markers: Sequence[tuple[int, bool, bool]] = (),
    ) -> None:
        """Record one request: its anchor use, its tail and its earlier message boundaries
        (``boundaries``: their block indices, chain hashes, and the chain hash after each);
        ``outer``: the tools prefix in front of a system prompt (churn detection);
        ``hour_tail``: the tail's marker asked for 1h; ``first_message``: the request is a lone
        first message (whether such messages get continued is learnt across prefixes);
        ``anchor_markers``: (block index, asks for 1h, writes there) of the request's markers
        inside the stable prefix, which keep track of its 1h entry."""
        with self._lock:
            if outer is not None:
                stats = self._anchors.get(outer)
                if stats is None:
                    stats = self._anchors[outer] = AnchorStats(last_seen=now)
                stats.requests += 1
                stats.last_seen = now
                stats.fresh_inner += anchor is not None and anchor not in self._anchors
                self._anchors.move_to_end(outer)
            if boundaries is not None:
                self._boundaries.register(*boundaries)
            if anchor is not None:
                stats = self._anchors.get(anchor)
                if stats is None:
                    stats = self._anchors[anchor] = AnchorStats(last_seen=now)
                    self.new_anchors += 1
                else:
                    if stats.requests == 1:
                        self.reused_anchors += 1
                    gap = now - stats.last_seen
                    stats.longest_gap = max(stats.longest_gap, gap)
                    stats.within_5m += gap <= FIVE_MINUTES
                    stats.within_1h += gap <= ONE_HOUR
                    stats.last_seen = now
                    self._anchors.move_to_end(anchor)
                stats.requests += 1
                if anchor_markers:
                    _note_hour_entry(stats, anchor_markers, now)
            if tail is not None:
                existing = self._tails.get(tail)
                if existing is None:
                    self._tails[tail] = _Tail(
                        anchor, now, marked_tail, hour=hour_tail, first=first_message
                    )
                    self.first_messages += first_message
                else:
                    if not existing.live(now):  # a new entry, under this request's TTL
                        existing.hour = hour_tail
                    existing.seen = now
                    existing.marked = existing.marked or marked_tail
                    self._tails.move_to_end(tail)
            self._trim()


def _note_hour_entry(
    stats: AnchorStats, markers: Sequence[tuple[int, bool, bool]], now: float
) -> None:
    """A 1h marker on the live 1h entry's block reads it (or, where that entry was only
    believed in, writes it at 1h): either way an hour from now. A deeper 1h marker that
    writes makes a new one. A 5m marker confirms nothing: the belief then lapses within the
    hour instead of living on through entries that are really 5m."""
    live = stats.hour_entry(now)
    for index, hour, writes in markers:
        if hour and (index == live or (writes and index > live)):
            stats.hour_index, stats.hour_seen = index, now
            live = index
