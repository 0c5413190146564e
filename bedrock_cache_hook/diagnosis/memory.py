"""What the diagnosis remembers across calls: fingerprints, marked prefixes, churn counters.

Bounded (``capacity`` entries per table, entries older than ``max_age`` seconds ignored and
dropped) and thread-safe. Keyed hashes and counts only (:mod:`.fingerprint`).

- marks (:mod:`.marks`): every prefix a request marked, as far as the responses tell
  what Bedrock holds;
- recent fingerprints, indexed by tool set, system and first message, to find the earlier
  request most like a new one (the one it "should" have shared a cache with);
- workloads (same model, tool set and system layout): how often a section's value is new
  (judged after 5 calls when the section holds a per-call-looking value, else after 20).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter

from ..frozen import fast_init
from ..request.prefix import ONE_HOUR
from .fingerprint import Fingerprint, first_difference, keyed
from .marks import MarkTable, SeenMark

__all__ = ["Churn", "DiagnosisMemory", "SeenMark", "Ticket"]

DEFAULT_CAPACITY = 10_000
#: long enough to tell an expired 1h entry from a prefix never seen
DEFAULT_MAX_AGE = 3 * ONE_HOUR
#: calls of a workload before churn is judged, and the share of new values that is churn
CHURN_CALLS = 5
CHURN_SHARE = 0.8
#: the same for a section with no per-call-looking value (no timestamp, UUID, ...): several
#: tenants' prompts in turn are each new at first, and only their return tells them apart
UNHINTED_CHURN_CALLS = 20
_CANDIDATES_PER_KEY = 8
_SEEN_VALUES = 256


@dataclass(frozen=True)
class Churn:
    """A section whose value is new on most calls of a stable workload (warned once)."""

    section: str
    index: int


@fast_init
@dataclass(frozen=True)
class Ticket:
    seq: int
    fingerprint: Fingerprint
    now: float
    seen: SeenMark | None
    previous: Fingerprint | None
    churn: Churn | None


@dataclass
class _Workload:
    last: Fingerprint | None = None
    seen: dict[str, set[bytes]] = field(default_factory=lambda: {"tools": set(), "system": set()})
    window: deque[tuple[bool, bool]] = field(default_factory=lambda: deque(maxlen=10))
    warned: set[str] = field(default_factory=set)
    #: calls compared with an earlier one
    compared: int = 0


def _shared_messages(a: Fingerprint, b: Fingerprint) -> int:
    """Leading messages both share: chains are equal up to the first change, so bisect."""
    if a.messages == b.messages:  # a re-send: one C-speed compare
        return len(a.messages)
    low, high = 0, min(len(a.messages), len(b.messages))
    while low < high:
        middle = (low + high + 1) // 2
        if a.messages[middle - 1] == b.messages[middle - 1]:
            low = middle
        else:
            high = middle - 1
    return low


class DiagnosisMemory:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_age: float = DEFAULT_MAX_AGE) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"diagnosis capacity must be a positive integer, got {capacity!r}")
        if not isinstance(max_age, int | float) or isinstance(max_age, bool) or max_age <= 0:
            raise ValueError(f"diagnosis max_age must be a positive number, got {max_age!r}")
        self.capacity = capacity
        self.max_age = float(max_age)
        self._lock = threading.Lock()
        self._seq = 0
        self._marks = MarkTable()
        self._recent: OrderedDict[int, tuple[Fingerprint, float]] = OrderedDict()
        self._index: OrderedDict[bytes, deque[int]] = OrderedDict()
        self._workloads: OrderedDict[bytes, _Workload] = OrderedDict()

    def configure(self, capacity: int, max_age: float) -> None:
        """New limits (from the installation's settings); a shrink takes effect at once."""
        if (capacity, float(max_age)) == (self.capacity, self.max_age):
            return
        with self._lock:
            self.capacity, self.max_age = capacity, float(max_age)
            self._trim()

    def begin(self, fp: Fingerprint, now: float) -> Ticket:
        """Before the request is sent: snapshot what it is compared with, then register it."""
        with self._lock:
            self._seq += 1
            seq = self._seq
            keys = self._keys(fp)
            seen = self._marks.seen(fp, now, self.max_age)
            previous = self._previous(fp, keys, now)
            churn = self._churn(fp)
            self._register(fp, keys, seq, now)
            self._trim()
        return Ticket(seq, fp, now, seen, previous, churn)

    def finish(
        self, ticket: Ticket, succeeded: bool, read: int = 0, written: int = 0, total: int = 0
    ) -> None:
        """After the response: what the request marked is written (or refreshed) from now,
        as far as its usage tells (``total``: all input tokens, 0 when none came back)."""
        with self._lock:
            if not succeeded:
                self._marks.abandon(ticket.fingerprint, ticket.seq)
                return
            self._marks.settle(
                ticket.fingerprint, ticket.seq, ticket.seen, ticket.now, (read, written, total)
            )

    def _keys(self, fp: Fingerprint) -> list[bytes]:
        keys = [keyed(b"by-workload", fp.workload)]
        if fp.tools:
            keys.append(keyed(b"by-tools", fp.tool_set))
        if fp.system:
            keys.append(keyed(b"by-system", *fp.system))
        if fp.messages:
            keys.append(keyed(b"by-first-message", fp.messages[0]))
        return keys

    def _previous(self, fp: Fingerprint, keys: list[bytes], now: float) -> Fingerprint | None:
        # one earlier request is often indexed under several keys: score each once
        candidates = set(chain.from_iterable(map(self._index.get, keys, repeat(()))))
        best: tuple[tuple[bool, bool, bool, int, int], Fingerprint] | None = None
        # newest first: an older candidate then wins only by a strictly better score, so one
        # that cannot share more messages than the best is skipped without bisecting
        for seq in sorted(candidates, reverse=True):
            found = self._recent.get(seq)
            if found is None or now - found[1] > self.max_age:
                continue
            other = found[0]
            head = (other.model == fp.model, other.tools == fp.tools, other.system == fp.system)
            if best is not None:
                top = best[0]
                if head < top[:3] or (
                    head == top[:3] and min(len(other.messages), len(fp.messages)) <= top[3]
                ):
                    continue
            score = (*head, _shared_messages(other, fp), seq)
            if best is None or score > best[0]:
                best = (score, other)
                if score[:4] == (True, True, True, len(fp.messages)):
                    break  # all of it shared: no older candidate can do better
        return best[1] if best is not None else None

    def _churn(self, fp: Fingerprint) -> Churn | None:
        workload = self._workloads.get(fp.workload)
        if workload is None:
            workload = self._workloads[fp.workload] = _Workload()
        last = workload.last
        workload.last = fp
        values = {"tools": fp.tools, "system": fp.system}
        new = {}
        for section, value in values.items():
            digest = keyed(section.encode(), *value) if len(value) > 1 else b"".join(value)
            seen = workload.seen[section]
            new[section] = digest not in seen
            if len(seen) < _SEEN_VALUES:
                seen.add(digest)
        if last is None:
            return None
        workload.window.append((new["tools"], new["system"]))
        workload.compared += 1
        if workload.compared < CHURN_CALLS:
            return None
        for position, section in enumerate(("tools", "system")):
            needed = CHURN_CALLS if section in fp.dynamic else UNHINTED_CHURN_CALLS
            if workload.compared < needed:
                continue
            share = sum(map(itemgetter(position), workload.window)) / len(workload.window)
            if share >= CHURN_SHARE and section not in workload.warned and new[section]:
                workload.warned.add(section)
                previous = last.tools if section == "tools" else last.system
                index = first_difference(previous, values[section])
                return Churn(section, len(previous) if index is None else index)
        return None

    def _register(self, fp: Fingerprint, keys: list[bytes], seq: int, now: float) -> None:
        self._marks.register(fp, seq, now)
        self._recent[seq] = (fp, now)
        for key in keys:
            slot = self._index.get(key)
            if slot is None:
                slot = self._index[key] = deque(maxlen=_CANDIDATES_PER_KEY)
            slot.append(seq)
            self._index.move_to_end(key)

    def _trim(self) -> None:
        for table in (self._marks, self._recent, self._index, self._workloads):
            while len(table) > self.capacity:
                table.popitem(last=False)
