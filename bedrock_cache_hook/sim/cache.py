"""The simulated prompt cache and its accounting rule.

Prefix identity: block ``i`` has the hash ``H(i) = sha256(H(i-1) + identity(i))`` (message blocks
also take the request's salt of messages-cache invalidators), so ``H(i)`` names the exact
prefix tools -> system -> messages up to block ``i``. Entries are keyed by
``(region, base model id, H(i))`` and live while ``now < expires``.

The accounting rule, for one request (``C(i)`` = cumulative tokens through block ``i``):

1. *Checkpoints* are the marker positions whose prefix qualifies: ``C(i) >= min_tokens`` of the
   model and, on a model with a cap on cached tokens (Nova: 20K), ``C(i) <= cap`` (a marker
   before any block never qualifies); nothing qualifies on a model that cannot cache. Several
   markers on one position are one checkpoint (the first one's TTL counts).
2. *Read*: each checkpoint at ``k`` looks for a readable entry at ``k``, then (Claude only, the
   model's ``lookback``) at ``k-1`` ... ``k-20``. The longest prefix found over all checkpoints
   is read: ``read = C(r)``. The entry read is refreshed (``expires = now + its TTL``), and so is
   every live entry at a checkpoint position ``<= r``.
3. *Write*: every checkpoint ``k > r`` writes an entry at ``H(k)`` with its marker's TTL. The
   segment from the previous checkpoint (or ``r``) to ``k`` is written under ``k``'s TTL:
   ``write = C(last checkpoint) - C(r)`` split into 5m and 1h parts.
4. ``uncached = total - read - write``. Bedrock's ``inputTokens`` is ``uncached``.

An entry is *readable* only once the response that wrote it has begun (AWS: the cache becomes
available after the first response starts): entries written by a request stay pending until the
engine calls :meth:`CacheStore.publish` with the real (monotonic) instant its first byte goes
out. Two overlapping identical requests therefore both write; a pending entry is replaced by a
later write of the same prefix.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from itertools import accumulate

from .models import ResolvedModel
from .requests import TTL_SECONDS, Prompt

__all__ = ["Accounting", "CacheStore", "prefix_hashes"]


@dataclass(frozen=True)
class Accounting:
    total: int
    read: int
    write: int
    write_5m: int
    write_1h: int
    #: the index of the last block read from the cache, -1 when nothing was read
    read_at: int
    #: the hash of the whole prompt (hex), used to choose the deterministic reply
    digest: str
    #: the store keys this request wrote (pending until :meth:`CacheStore.publish`)
    written: tuple[tuple[str, str, bytes], ...] = ()

    @property
    def uncached(self) -> int:
        return self.total - self.read - self.write


@dataclass
class _Entry:
    ttl: str
    expires: float
    #: ``time.monotonic()`` from which it can be read (inf: its response has not begun)
    readable_from: float = math.inf
    #: the request that wrote it (the engine's sequence number)
    writer: int = 0


def prefix_hashes(prompt: Prompt) -> list[bytes]:
    hashes: list[bytes] = []
    previous = b""
    for block in prompt.blocks:
        salt = prompt.salt if block.section == "messages" else b""
        previous = hashlib.sha256(previous + salt + block.identity).digest()
        hashes.append(previous)
    return hashes


def _checkpoints(
    prompt: Prompt, model: ResolvedModel, cumulative: list[int]
) -> list[tuple[int, str]]:
    spec = model.spec
    if not spec.can_cache:
        return []
    seen: dict[int, str] = {}
    cap = spec.max_cached_tokens
    for marker in prompt.markers:
        position = marker.after
        if position < 0 or cumulative[position] < spec.min_tokens:
            continue
        if cap is None or cumulative[position] <= cap:
            seen.setdefault(position, marker.ttl)
    return sorted(seen.items())


class CacheStore:
    """Thread-safe store of live prefix entries."""

    #: expired entries are dropped when looked up, and all at once past this many entries
    PURGE_AT = 4096

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, bytes], _Entry] = {}
        self._lock = threading.Lock()

    def _purge(self, now: float) -> None:
        for key in [k for k, entry in self._entries.items() if now >= entry.expires]:
            del self._entries[key]

    def _live(self, key: tuple[str, str, bytes], now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now >= entry.expires:
            del self._entries[key]
            return None
        return entry

    def _readable(self, key: tuple[str, str, bytes], now: float) -> _Entry | None:
        entry = self._live(key, now)
        if entry is None or time.monotonic() < entry.readable_from:
            return None
        return entry

    def publish(self, accounting: Accounting, writer: int, at: float) -> None:
        """Make the entries request ``writer`` wrote readable from ``at`` (``time.monotonic()``),
        the instant its response begins; entries replaced since by another write are left."""
        with self._lock:
            for key in accounting.written:
                entry = self._entries.get(key)
                if entry is not None and entry.writer == writer:
                    entry.readable_from = at

    def account(
        self, region: str, model: ResolvedModel, prompt: Prompt, now: float, writer: int = 0
    ) -> Accounting:
        """Apply the rule above to one request: returns its numbers and updates the store."""
        hashes = prefix_hashes(prompt)
        cumulative = list(accumulate(block.tokens for block in prompt.blocks))
        total = cumulative[-1] if cumulative else 0
        digest = hashes[-1].hex() if hashes else hashlib.sha256(prompt.salt).hexdigest()
        checkpoints = _checkpoints(prompt, model, cumulative)

        def key(position: int) -> tuple[str, str, bytes]:
            return (region, model.base_id, hashes[position])

        with self._lock:
            if len(self._entries) > self.PURGE_AT:
                self._purge(now)
            read_at = -1
            for position, _ in checkpoints:
                lowest = max(position - model.spec.lookback, 0)
                for candidate in range(position, lowest - 1, -1):
                    if candidate <= read_at:
                        break
                    if self._readable(key(candidate), now) is not None:
                        read_at = candidate
                        break
            refresh = {read_at} | {p for p, _ in checkpoints if p <= read_at}
            for position in refresh:
                entry = self._readable(key(position), now) if position >= 0 else None
                if entry is not None:
                    entry.expires = now + TTL_SECONDS[entry.ttl]
            written = {"5m": 0, "1h": 0}
            keys: list[tuple[str, str, bytes]] = []
            start = cumulative[read_at] if read_at >= 0 else 0
            for position, ttl in checkpoints:
                if position <= read_at:
                    continue
                written[ttl] += cumulative[position] - start
                start = cumulative[position]
                self._entries[key(position)] = _Entry(ttl, now + TTL_SECONDS[ttl], writer=writer)
                keys.append(key(position))
        read = cumulative[read_at] if read_at >= 0 else 0
        return Accounting(
            total=total,
            read=read,
            write=written["5m"] + written["1h"],
            write_5m=written["5m"],
            write_1h=written["1h"],
            read_at=read_at,
            digest=digest,
            written=tuple(keys),
        )

    def live_entries(self, now: float) -> int:
        with self._lock:
            self._purge(now)
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
