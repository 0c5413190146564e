"""What a body's reader read before, found again by the caller's text (see :mod:`.spans`).

Two levels, both exact (equal JSON text parses to equal values, which give equal blocks):

- a list's leading run (:mod:`.runs`): the blocks of a history re-sent or appended to, in
  one step, whatever its length;
- one element, by where it sits and its text: the rest of a list changed in the middle.

Only marker-free elements are kept (a marker's index depends on the blocks before it). What
a reader reads from an element also depends on the model's sections and, for the first
message, on the salt: both are in every key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..memo import SizedMemo
from ..prefix import Block
from .spans import Path, Spans

__all__ = ["Seen", "read_list"]

#: a marker-free element's blocks by (sections, where, salt, length, its last characters):
#: (its text, its blocks); the text is compared in full
_ELEMENTS: SizedMemo[tuple[Any, ...], tuple[str, tuple[Block, ...]]] = SizedMemo(16_000_000)
_KEY_TAIL = 24
#: readings kept on one run (model sections x salt); more, and they start over
_READINGS = 8

Found = tuple[tuple[Any, ...], tuple[int, int]]


class Seen:
    """The reuse of one body's reading: its spans and its model's sections."""

    def __init__(self, spans: Spans, sections: Any) -> None:
        self.spans = spans
        self.sections = sections

    def element(self, where: Path, span: tuple[int, int] | None, salt: bytes) -> Found | None:
        """The key of the element at ``where`` (its text at ``span``), with the span."""
        if span is None:
            return None
        start, end = span
        tail = self.spans.text[max(start, end - _KEY_TAIL) : end]
        return (self.sections, where, salt, end - start, tail), span

    def reuse(self, found: Found | None, blocks: list[Block]) -> bool:
        """Add to ``blocks`` what the element's very text gave before; False when unseen."""
        if found is None:
            return False
        known = _ELEMENTS.items.get(found[0])
        if known is None or not self.spans.same(*found[1], known[0]):
            return False
        blocks.extend(known[1])
        return True

    def keep(self, found: Found | None, read: Sequence[Block]) -> None:
        """Remember the blocks a marker-free element gave."""
        if found is not None:
            start, end = found[1]
            _ELEMENTS.put(found[0], (self.spans.text[start:end], tuple(read)), end - start)

    def run(self, key: str, salt: bytes, blocks: list[Block]) -> tuple[int, list[int]]:
        """Add to ``blocks`` those of the leading elements of list ``key`` a run read before
        stands for: (how many elements, blocks through each)."""
        entry = self.spans.runs.get(key)
        got = entry[0].read.get((self.sections, salt)) if entry and entry[0] else None
        if entry is None or got is None:
            return 0, []
        count, held, through = got
        use = min(entry[1], count)
        if use:
            blocks.extend(held[: through[use - 1]])
        return use, list(through[:use])

    def hold(
        self, key: str, salt: bytes, read: Sequence[Block], through: list[int], clean: int
    ) -> None:
        """Keep, on the run now standing for list ``key``, the blocks of its first ``clean``
        elements (marker-free); ``read``: the list's blocks, ``through``: per element."""
        entry = self.spans.runs.get(key)
        if entry is None:
            return
        run, at = entry[2], (self.sections, salt)
        held = run.read.get(at)
        if held is not None and held[0] >= clean:
            return
        count = through[clean - 1] if clean else 0
        if held is None and len(run.read) >= _READINGS:
            run.read.clear()  # a salt that changes every call (thinking budget): bounded
        run.read[at] = (clean, tuple(read[:count]), tuple(through[:clean]))


def read_list(
    seen: Seen | None,
    key: str,
    items: list[Any],
    *,
    salt: bytes = b"",
    blocks: list[Block],
    read: Callable[[int, Any, int], bool],
) -> None:
    """Read list ``key``'s ``items`` into ``blocks``: the leading run seen before in one
    step, then ``read(index, item, first block of the list)`` per item (False when the item
    added a marker)."""
    base = len(blocks)
    start, through = seen.run(key, salt, blocks) if seen is not None else (0, [])
    clean = start
    for i in range(start, len(items)):
        marker_free = read(i, items[i], base)
        through.append(len(blocks) - base)
        if clean == i and marker_free:
            clean += 1
    if seen is not None:
        seen.hold(key, salt, blocks[base:], through, clean)
