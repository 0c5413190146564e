"""The in-process ledger: one record per Bedrock call, thread-safe and bounded.

The ledger keeps the last ``capacity`` records and running totals that never drop, so a
long-lived process can always answer "what did caching do for us" without growing.
Records hold counts, ids and hashes only: never prompt or response text.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from .call_record import CallRecord, Status, classify

__all__ = [
    "CallRecord",
    "Ledger",
    "ModelSummary",
    "ReasonSummary",
    "Status",
    "Summary",
    "Totals",
    "classify",
    "get_ledger",
]

DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True)
class ReasonSummary:
    """The calls that missed for one reason: how many, what they did not read, what it cost."""

    calls: int = 0
    missed_read_tokens: int = 0
    miss_cost_usd: float = 0.0


@dataclass(frozen=True)
class ModelSummary:
    calls: int = 0
    errors: int = 0
    hits: int = 0
    partials: int = 0
    misses: int = 0
    uncached: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_without_cache_usd: float = 0.0
    #: miss reason -> its calls, missed tokens and dollars (``CallRecord.miss_reason``)
    by_reason: dict[str, ReasonSummary] = field(default_factory=dict)

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def miss_cost_usd(self) -> float:
        """What every miss cost over a hit, all reasons together."""
        return sum(r.miss_cost_usd for r in self.by_reason.values())

    @property
    def savings_usd(self) -> float:
        """What caching saved: the same tokens uncached, minus what was billed."""
        return self.cost_without_cache_usd - self.cost_usd

    @property
    def hit_rate(self) -> float:
        """Cache reads as a share of total input tokens; 0.0 when there was no input."""
        total = self.total_input_tokens
        return self.cache_read_tokens / total if total else 0.0


@dataclass(frozen=True)
class Summary(ModelSummary):
    """Running totals over every call since the last ``clear()``; ``by_model`` per model id."""

    by_model: dict[str, ModelSummary] = field(default_factory=dict)


_STATUS_FIELD: dict[Status, str] = {
    "hit": "hits",
    "partial": "partials",
    "miss": "misses",
    "uncached": "uncached",
    "error": "errors",
}


_COUNTED = tuple(f.name for f in fields(ModelSummary) if f.type in ("int", int))


class Totals:
    """Mutable running sums behind a ``ModelSummary`` (the ledger's, and each EMF flush's);
    not thread-safe: its owner holds a lock around it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(_COUNTED, 0)
        self.cost_usd = 0.0
        self.cost_without_cache_usd = 0.0
        #: reason -> [calls, missed tokens, dollars]
        self.reasons: dict[str, list[float]] = {}

    def add(self, record: CallRecord) -> None:
        counts = self.counts
        counts["calls"] += 1
        counts[_STATUS_FIELD[record.status]] += 1
        counts["input_tokens"] += record.input_tokens
        counts["cache_read_tokens"] += record.cache_read_tokens
        counts["cache_write_tokens"] += record.cache_write_tokens
        counts["output_tokens"] += record.output_tokens
        self.cost_usd += record.cost_usd
        self.cost_without_cache_usd += record.cost_without_cache_usd
        if record.miss_reason is not None:
            totals = self.reasons.setdefault(record.miss_reason, [0, 0, 0.0])
            totals[0] += 1
            totals[1] += record.missed_read_tokens
            totals[2] += record.miss_cost_usd

    def freeze(self) -> ModelSummary:
        by_reason = {
            reason: ReasonSummary(int(calls), int(tokens), dollars)
            for reason, (calls, tokens, dollars) in sorted(self.reasons.items())
        }
        return ModelSummary(
            **self.counts,
            cost_usd=self.cost_usd,
            cost_without_cache_usd=self.cost_without_cache_usd,
            by_reason=by_reason,
        )


Listener = Callable[[CallRecord], None]


class Ledger:
    """Thread-safe, bounded store of :class:`CallRecord` with never-dropping totals."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._check_capacity(capacity)
        self._lock = threading.Lock()
        self._records: deque[CallRecord] = deque(maxlen=capacity)
        self._totals = Totals()
        self._by_model: dict[str, Totals] = {}
        self._listeners: list[Listener] = []

    @staticmethod
    def _check_capacity(capacity: int) -> None:
        if (
            isinstance(capacity, bool)
            or not isinstance(capacity, int)
            or not 1 <= capacity <= sys.maxsize
        ):
            raise ValueError(
                f"ledger capacity must be a positive integer no larger than {sys.maxsize}, "
                f"got {capacity!r}"
            )

    @property
    def capacity(self) -> int:
        maxlen = self._records.maxlen
        assert maxlen is not None
        return maxlen

    def set_capacity(self, capacity: int) -> None:
        """Keep at most ``capacity`` records from now on (the newest survive a shrink)."""
        self._check_capacity(capacity)
        with self._lock:
            if capacity != self._records.maxlen:
                self._records = deque(self._records, maxlen=capacity)

    def append(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)
            self._totals.add(record)
            model = self._by_model.get(record.model_id)
            if model is None:
                model = self._by_model[record.model_id] = Totals()
            model.add(record)
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener(record)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(record)`` after every append; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def records(self) -> list[CallRecord]:
        """The kept records, oldest first."""
        with self._lock:
            return list(self._records)

    def summary(self) -> Summary:
        with self._lock:
            overall = self._totals.freeze()
            by_model = {model: totals.freeze() for model, totals in self._by_model.items()}
        return Summary(**vars(overall), by_model=by_model)

    def clear(self) -> None:
        """Forget every record and reset the totals."""
        with self._lock:
            self._records.clear()
            self._totals = Totals()
            self._by_model = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


_process_ledger = Ledger()


def get_ledger() -> Ledger:
    """The process ledger that installations write to unless given their own."""
    return _process_ledger
