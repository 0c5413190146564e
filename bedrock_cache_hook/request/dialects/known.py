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
``KNOWN`` holds content blocks; ``KNOWN_MESSAGES`` whole Converse messages (one deep ``==``
instead of one lookup per block), for messages that carry no cache marker; ``KNOWN_RUNS`` the
leading messages of a messages list (a list re-sent or appended to: one ``==`` over the run).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Generic, TypeVar

from ..prefix import Block

__all__ = ["KNOWN", "KNOWN_LISTS", "KNOWN_MESSAGES", "KNOWN_RUNS", "Known", "KnownRuns"]

_Value = TypeVar("_Value")
_TOKENS = attrgetter("tokens")

#: the element was seen once: copy it if it comes back
_ONCE = object()
#: the element cannot be copied safely (a non-string leaf, or nested too deep)
_NEVER = object()


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


class Known(Generic[_Value]):
    ENTRIES = 50_000
    CHARS = 32_000_000

    def __init__(self) -> None:
        self.entries: dict[int, tuple[Any, Any, tuple[Any, ...], _Value]] = {}
        self.chars = 0

    def get(self, element: Any, text: Any, key: tuple[Any, ...]) -> _Value | None:
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

    def put(self, element: Any, text: Any, key: tuple[Any, ...], value: _Value, chars: int) -> None:
        """Remember ``value`` read from ``element`` (``text``: its only value, if a string)."""
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
        self.entries[id(element)] = (element, guard, key, value)
        self.chars += chars


KNOWN: Known[Block] = Known()
KNOWN_MESSAGES: Known[tuple[Block, ...]] = Known()


class KnownRuns:
    """The leading messages of a list read before, with their blocks.

    Used only for the very list object read before, under the same salt and model sections,
    and only while its first ``k`` messages equal a private copy of them (taken, as above, on
    the second sighting, of string-only messages without markers): then their blocks are the
    ones read before, and only the messages after them are read. A list appended to between
    calls (a conversation's history) has its copy extended by the new messages alone.
    """

    ENTRIES = 1_024
    CHARS = 32_000_000

    def __init__(self) -> None:
        #: id -> (the list, its copy's leading messages or _ONCE, key, their blocks, the
        #: characters they stand for)
        self.entries: dict[int, tuple[Any, Any, tuple[Any, ...], tuple[Block, ...], int]] = {}
        self.chars = 0

    def get(self, messages: list[Any], key: tuple[Any, ...]) -> tuple[int, tuple[Block, ...]]:
        """(how many leading messages are provably as read before, their blocks)."""
        entry = self.entries.get(id(messages))
        if entry is None or entry[0] is not messages or entry[2] != key:
            return 0, ()
        copy = entry[1]
        if copy is _ONCE:
            return 0, ()
        count = len(copy)
        if len(messages) < count:
            return 0, ()
        same = messages == copy if len(messages) == count else messages[:count] == copy
        return (count, entry[3]) if same else (0, ())

    def put(  # noqa: PLR0917 - the run read and how far it extends
        self,
        messages: list[Any],
        key: tuple[Any, ...],
        reused: int,
        clean: int,
        through: list[int],
        blocks: list[Block],
        start: int = 0,
    ) -> tuple[Block, ...] | None:
        """After a read: ``reused`` messages came from the entry; the first ``clean`` are
        marker-free; ``through[m]``: the message blocks up to the end of message ``m`` (for
        ``m >= reused``); ``blocks[start:]``: the request's message blocks. Returns the
        blocks of the run now held, when it changed."""
        entry = self.entries.get(id(messages))
        if entry is None or entry[0] is not messages or entry[2] != key:
            self._store(messages, _ONCE, key, (), 0)
            return None
        old = entry[1]
        if reused and (old is _ONCE or len(old) != reused):
            return None  # another call on the same list changed the entry meanwhile: leave it
        if reused and clean == reused:
            return None  # nothing new to hold (the usual re-send: no copy made to find out)
        blocks = blocks[start:]
        before = entry[3] if reused else ()
        copy = list(old) if reused else []
        for message in messages[reused:clean]:
            copied = _copy(message) if type(message) is dict else _NEVER
            if copied is _NEVER:
                break
            copy.append(copied)
        if reused and len(copy) == reused:
            return None  # nothing new to hold
        count = len(copy)
        held = tuple(blocks[: through[count - 1]]) if count else ()
        # what the run held already is counted once: only the new blocks add characters
        added = 4 * sum(map(_TOKENS, held[len(before) :]))
        self._store(messages, copy, key, held, (entry[4] if before else 0) + added)
        return held

    def _store(
        self, messages: Any, copy: Any, key: tuple[Any, ...], held: tuple[Block, ...], chars: int
    ) -> None:
        replaced = self.entries.pop(id(messages), None)
        if replaced is not None:
            self.chars -= replaced[4]
        if len(self.entries) >= self.ENTRIES or self.chars + chars > self.CHARS:
            self.entries = {}
            self.chars = 0
        self.entries[id(messages)] = (messages, copy, key, held, chars)
        self.chars += chars


KNOWN_RUNS = KnownRuns()
#: the same for tools and system lists (one block per element)
KNOWN_LISTS = KnownRuns()
