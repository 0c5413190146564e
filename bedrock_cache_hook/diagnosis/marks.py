"""The diagnosis memory's table of marked prefixes: what Bedrock holds, as far as the
requests and their usage tell.

One entry per prefix a request marked (keyed chain hash at the marker): when it was last
written or read, its TTL, whether the request that wrote it has responded, and its size in
Bedrock's tokens once a response reported it. A mark the usage proves unwritten (past the
longest checkpoint written, over Nova's cap say; a read with nothing written; a failed
request's) is dropped, so a later miss is not blamed on an entry that never existed. Not
thread-safe: the memory holds its lock around every call.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ..frozen import fast_init
from ..request.prefix import FIVE_MINUTES, TTL_SECONDS
from .fingerprint import Fingerprint

__all__ = ["MarkTable", "SeenMark"]

#: a mark is the entry a call read when its size is within this share of the read (its
#: estimated size; its size as reported, once known)
_NEAR = 0.25
_KNOWN_NEAR = 0.01


@dataclass
class _Mark:
    index: int
    tokens: int
    last_seen: float
    ttl: str
    writer: int
    responded: bool
    #: Bedrock's tokens through this mark, once a read or write of it was reported (0: not yet)
    real: int = 0


@fast_init
@dataclass(frozen=True)
class SeenMark:
    """The longest prefix of a new request that an earlier request had marked."""

    index: int
    tokens: int
    last_seen: float
    ttl: str
    responded: bool
    #: Bedrock's tokens through it, when known (0: only the estimate, ``tokens``)
    real: int = 0
    #: its key in the table
    key: bytes = b""


def _size(mark: _Mark, scale: float) -> float:
    return mark.real or mark.tokens * scale


def _nearest(marks: list[_Mark], tokens: int, scale: float) -> _Mark:
    """The mark whose size is nearest ``tokens`` (known sizes first, else scaled estimates)."""
    return min(marks, key=lambda m: abs(_size(m, scale) - tokens))


class MarkTable(OrderedDict[bytes, _Mark]):
    """Marked prefixes, oldest first (the memory trims from the front)."""

    def seen(self, fp: Fingerprint, now: float, max_age: float) -> SeenMark | None:
        """The longest prefix of ``fp`` an earlier request marked, still within ``max_age``."""
        best: _Mark | None = None
        key = b""
        for h, _, _ in fp.marks:
            mark = self.get(h)
            if mark is None or now - mark.last_seen > max_age:
                continue
            if best is None or mark.index > best.index:
                best, key = mark, h
        # ends are in prefix order: from the deepest back, the first live one is the best
        hashes, indices = fp.end_hashes, fp.end_indices
        for position in range(len(hashes) - 1, -1, -1):
            if best is not None and indices[position] <= best.index:
                break
            mark = self.get(hashes[position])
            if (
                mark is not None
                and now - mark.last_seen <= max_age
                and (best is None or mark.index > best.index)
            ):
                best, key = mark, hashes[position]
                break
        if best is None:
            return None
        return SeenMark(
            best.index, best.tokens, best.last_seen, best.ttl, best.responded, best.real, key
        )

    def abandon(self, fp: Fingerprint, seq: int) -> None:
        """Request ``seq`` failed: Bedrock wrote none of the marks it was about to write."""
        for h, _, _ in fp.marks:
            mark = self.get(h)
            if mark is not None and mark.writer == seq and not mark.responded:
                del self[h]

    def register(self, fp: Fingerprint, seq: int, now: float) -> None:
        """Request ``seq`` is sent: each prefix it marks is live or about to be written."""
        for (h, index, tokens), ttl in zip(fp.marks, fp.mark_ttls, strict=True):
            mark = self.get(h)
            # a caller's marker may carry any ttl string (Bedrock rejects it): 5 minutes then
            lifetime = TTL_SECONDS.get(mark.ttl, FIVE_MINUTES) if mark is not None else 0.0
            if mark is not None and mark.responded and now - mark.last_seen < lifetime:
                self.move_to_end(h)
                continue  # a live entry: this request reads it, its response refreshes it
            self[h] = _Mark(index, tokens, now, ttl, seq, responded=False)
            self.move_to_end(h)

    def settle(
        self,
        fp: Fingerprint,
        seq: int,
        seen: SeenMark | None,
        now: float,
        usage: tuple[int, int, int],
    ) -> None:
        """Request ``seq`` responded with ``usage`` (read, written, all input tokens): its
        marks are written or refreshed from ``now``, and the usage says which.

        The entry read is the mark nearest ``read`` in size, among this request's marks and
        the earlier one it contained (``seen``: read through the lookback), when one is near
        it. The longest one written ends at ``read + written``: the deepest new mark, or on a
        model with a cap on cached tokens the new mark nearest that size, and a new mark past
        it does not exist. With a read and nothing written, no new mark but the one read does.
        A response with no cache counts at all (none reported, or none used) teaches nothing,
        unless the whole prompt was under the model's minimum (then no new mark exists).
        """
        read, written, total = usage
        marks: list[_Mark] = []
        new: list[tuple[bytes, _Mark]] = []
        for h, _, _ in fp.marks:
            mark = self.get(h)
            if mark is None:
                continue
            if mark.writer == seq and not mark.responded:
                new.append((h, mark))
            marks.append(mark)
            mark.last_seen = max(mark.last_seen, now)
            mark.responded = True
        if total <= 0:
            return
        if read <= 0 and written <= 0:
            # no cache counts: none reported, or none used; only a prompt under the model's
            # minimum proves that nothing was written
            if total < fp.min_tokens:
                for h, _ in new:
                    del self[h]
            return
        scale = total / fp.estimated_tokens if fp.estimated_tokens > 0 else 1.0
        contained = self.get(seen.key) if seen is not None else None
        if contained is not None and contained.responded and all(contained is not m for m in marks):
            marks.append(contained)
        entry_read = _entry_read(marks, read, scale) if read > 0 and marks else None
        if entry_read is not None:
            entry_read.real = read
            entry_read.last_seen = max(entry_read.last_seen, now)
        if written <= 0:
            for h, mark in new:
                if mark is not entry_read:
                    del self[h]
            return
        written_new = [m for _, m in new if entry_read is None or m.index > entry_read.index]
        if not written_new:
            return
        if fp.max_cached:
            longest = _nearest(written_new, read + written, scale)
        else:  # every checkpoint past the read one is written: the deepest is the longest
            longest = max(written_new, key=lambda m: m.index)
        longest.real = read + written
        for h, mark in new:
            if mark.index > longest.index:
                del self[h]


def _entry_read(marks: list[_Mark], read: int, scale: float) -> _Mark | None:
    """The mark whose entry a call read: nearest ``read`` in size, and near it (exactly, when
    its size is known: another entry's read must not overwrite it)."""
    nearest = _nearest(marks, read, scale)
    tolerance = _KNOWN_NEAR if nearest.real else _NEAR
    return nearest if abs(_size(nearest, scale) - read) <= tolerance * read else None
