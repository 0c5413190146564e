"""Blocks already read, across calls: a conversation re-sends the same element objects (its
history, its tool specs) call after call, and re-reading them dominated a call's cost.

An entry is used only when the element is the very object read before, at the same place
with the same role, salt and model sections, *and* its content is provably unchanged:

- a ``{"text": s}`` dict still holds only ``text``, with the very same (immutable) string;
- any other element equals a private structural copy taken when it was read (new dicts and
  lists, the same leaf strings): a C-speed deep ``==`` that catches any in-place change.
  Only elements whose leaves are all strings (or None) get a copy: ``1 == 1.0 == True``
  would let a change of number type through. The copy is taken on the second sighting, so
  a caller that builds new objects every call pays no copy.

Bounded by entries and by characters held (the elements are kept alive by their entry).
"""

from __future__ import annotations

from typing import Any

from ..prefix import Block

__all__ = ["KNOWN", "Known"]

#: the element was seen once: copy it if it comes back
_ONCE = object()
#: the element cannot be copied safely (a non-string leaf, or nested too deep)
_NEVER = object()

_Entry = tuple[Any, Any, tuple[Any, ...], Block]


def _copy(value: Any) -> Any:
    """A structural copy sharing the leaf strings; ``_NEVER`` for anything else."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NEVER
            copied = item if type(item) is str else _copy(item)
            if copied is _NEVER:
                return _NEVER
            out[key] = copied
        return out
    if kind is list:
        items = []
        for item in value:
            copied = item if type(item) is str else _copy(item)
            if copied is _NEVER:
                return _NEVER
            items.append(copied)
        return items
    return _NEVER


class Known:
    ENTRIES = 50_000
    CHARS = 32_000_000

    def __init__(self) -> None:
        self.entries: dict[int, _Entry] = {}
        self.chars = 0

    def get(self, element: Any, text: Any, key: tuple[Any, ...]) -> Block | None:
        """The block read before from this very element, when provably unchanged."""
        entry = self.entries.get(id(element))
        if entry is None or entry[0] is not element or entry[2] != key:
            return None
        guard = entry[1]
        if type(guard) is str:
            return entry[3] if guard is text else None
        if guard is _ONCE or guard is _NEVER:
            return None
        try:
            return entry[3] if element == guard else None
        except RecursionError:  # pragma: no cover - copies are only taken of shallow values
            return None

    def put(self, element: Any, text: Any, key: tuple[Any, ...], block: Block, chars: int) -> None:
        """Remember ``block`` read from ``element`` (``text``: its only value, if a string)."""
        if type(text) is str:
            guard: Any = text
        else:
            entry = self.entries.get(id(element))
            if entry is None or entry[0] is not element:
                guard = _ONCE
            elif entry[1] is _NEVER:
                guard = _NEVER
            else:
                try:
                    guard = _copy(element)
                except RecursionError:
                    guard = _NEVER
        if len(self.entries) >= self.ENTRIES or self.chars + chars > self.CHARS:
            self.entries = {}
            self.chars = 0
        self.entries[id(element)] = (element, guard, key, block)
        self.chars += chars


KNOWN = Known()
