"""Where each block of a JSON body sits in the caller's text.

A body read by one C-speed JSON scan per element, instead of one ``json.loads`` of the whole,
gives the same object and, for free, the text span of every tool, system block, message and
content block. With the spans a call can:

- reuse what it read from an element whose exact text it read before (equal JSON text parses
  to an equal value), instead of reading the element again;
- write its markers by replacing the marked elements' text alone: every other byte goes out
  as the caller wrote it, so nothing but the marked elements needs to re-serialize the way
  the caller wrote them (the whole body did, and proving that took a dumps of all of it).

Anything the scan does not expect (a duplicate key where it descends, a top-level value
that is not an object) gives no spans: the caller falls back to the plain reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .runs import RUNS, Run

__all__ = ["SPACE", "Gaps", "Path", "Spans", "members", "scan", "skip"]

Path = tuple[str | int, ...]

#: the C scanner ``json.loads`` runs: one JSON value at an index, and where it ends
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_SKIP = re.compile(r"[ \t\n\r]*").match  # JSON's whitespace
#: top-level lists whose elements get spans (``messages`` elements down to their content)
_LISTS = frozenset(("tools", "system", "messages"))


class _Unexpected(Exception):
    """The text is not a body the scan follows (or not JSON): no spans."""


class Gaps:
    """How the caller wrote one object: its separators, and where its last value ends."""

    __slots__ = ("colon", "comma", "end", "values")

    def __init__(self) -> None:
        self.colon = ":"  # the text between the first key and its value
        self.comma: str | None = None  # ... between the first value and the next key
        self.end = 0
        #: each member's value span (kept only when asked for)
        self.values: dict[str, tuple[int, int]] = {}


class Spans:
    """The caller's text and where its parts sit in it."""

    __slots__ = ("_inside", "elements", "leaves", "runs", "text", "top")

    def __init__(self, text: str) -> None:
        self.text = text
        #: top-level values not descended into
        self.leaves: dict[Path, tuple[int, int]] = {}
        #: the span of each element of ``tools``, ``system`` and ``messages`` (each read whole)
        self.elements: dict[str, list[tuple[int, int]]] = {}
        #: per list: (the run of its leading elements found read before, how many elements
        #: it covers, the run that stands for the whole list now)
        self.runs: dict[str, tuple[Run | None, int, Run]] = {}
        self.top = Gaps()  # the body object's own
        self._inside: dict[int, dict[Path, tuple[int, int]] | None] = {}

    @property
    def messages(self) -> list[tuple[int, int]]:
        return self.elements.get("messages", [])

    def same(self, start: int, end: int, seen: str) -> bool:
        """Whether the text at ``start:end`` is ``seen`` (no slice is made)."""
        return end - start == len(seen) and self.text.startswith(seen, start)

    def leaf(self, path: Path) -> tuple[int, int] | None:
        """The span of a leaf: a top-level value, a tool or system element, or a message's
        ``content`` (a string) or content element, found in its message when first asked."""
        if len(path) == 1:
            return self.leaves.get(path)
        key, index = path[0], path[1]
        spans = self.elements.get(str(key), [])
        if type(index) is not int or not 0 <= index < len(spans):
            return None
        if key != "messages":  # a tool or system element is read whole
            return spans[index] if len(path) == 2 else None
        if len(path) == 2:
            return None  # a message is never re-written whole
        if index not in self._inside:
            self._inside[index] = _content(self.text, index, spans[index][0])
        inside = self._inside[index]
        return inside.get(path) if inside is not None else None


def _value(text: str, at: int) -> tuple[Any, int]:
    try:
        return _SCAN(text, at)
    except StopIteration:
        raise _Unexpected from None


#: JSON's whitespace
SPACE = frozenset(" \t\n\r")


def skip(text: str, at: int) -> int:
    """Where the whitespace at ``at`` ends."""
    if text[at : at + 1] not in SPACE:
        return at
    found = _SKIP(text, at)
    return found.end() if found is not None else at


def _members(
    text: str, at: int, visit: Callable[[str, int], tuple[Any, int]], gaps: Gaps | None
) -> tuple[dict[str, Any], int]:
    """The object at ``at`` (its ``{``); each value read by ``visit(key, start)``; its
    separators noted in ``gaps`` (an object with no member has none: unexpected there)."""
    out: dict[str, Any] = {}
    at = skip(text, at + 1)
    if text.startswith("}", at):
        if gaps is not None:
            raise _Unexpected
        return out, at + 1
    while True:
        if not text.startswith('"', at):
            raise _Unexpected
        key, after = _value(text, at)
        colon = skip(text, after)
        if not text.startswith(":", colon):
            raise _Unexpected
        start = skip(text, colon + 1)
        if key in out:
            raise _Unexpected  # which one counts is the reader's choice, not ours
        out[key], end = visit(key, start)
        if gaps is not None:
            if len(out) == 1:
                gaps.colon = text[after:start]
            gaps.end = end
        closed, at = _next(text, end, "}")
        if closed:
            return out, at
        if gaps is not None and gaps.comma is None:
            gaps.comma = text[end:at]


def _next(text: str, end: int, close: str) -> tuple[bool, int]:
    """After a member or element ending at ``end``: whether its container closes there, and
    where the next one starts (or, closed, where the container ends)."""
    at = skip(text, end)
    following = text[at : at + 1]
    if following == close:
        return True, at + 1
    if following != ",":
        raise _Unexpected
    return False, skip(text, at + 1)


def _elements(
    text: str,
    at: int,
    visit: Callable[[int, int], tuple[Any, int]],
    known: Callable[[int], Run | None] | None = None,
) -> tuple[list[Any], int]:
    """The array at ``at`` (its ``[``); element ``i`` read by ``visit(i, start)``, except the
    leading ones a run ``known`` finds at the first element's start stands for."""
    out: list[Any] = []
    at = skip(text, at + 1)
    if text.startswith("]", at):
        return out, at + 1
    end = -1
    run = known(at) if known is not None else None
    if run is not None:
        out.extend(run.values)
        end = at + len(run.text)
    while True:
        if end < 0:
            value, end = visit(len(out), at)
            out.append(value)
        closed, at = _next(text, end, "]")
        if closed:
            return out, at
        end = -1


def _content(text: str, m: int, start: int) -> dict[Path, tuple[int, int]] | None:
    """The spans of message ``m``'s content (its elements, or the string), from its text;
    None when the message is not an object or repeats a key."""
    found: dict[Path, tuple[int, int]] = {}

    def leaf(path: Path, at: int) -> tuple[Any, int]:
        value, end = _value(text, at)
        found[path] = (at, end)
        return value, end

    def member(key: str, at: int) -> tuple[Any, int]:
        if key != "content":
            return _value(text, at)
        if text.startswith("[", at):
            return _elements(text, at, lambda c, s: leaf(("messages", m, "content", c), s))
        return leaf(("messages", m, "content"), at)

    return found if _object(text, start, member, None) else None


def _object(
    text: str, start: int, visit: Callable[[str, int], tuple[Any, int]], gaps: Gaps | None
) -> bool:
    """Whether the text at ``start`` is an object the scan follows, visiting its members."""
    if not text.startswith("{", start):
        return False
    try:
        _members(text, start, visit, gaps)
    except (_Unexpected, ValueError, RecursionError):
        return False
    return True


def _top(spans: Spans) -> dict[str, Any]:
    text = spans.text

    def top(key: str, at: int) -> tuple[Any, int]:
        if key not in _LISTS or not text.startswith("[", at):
            value, end = _value(text, at)
            spans.leaves[(key,)] = (at, end)
            return value, end
        placed: list[tuple[int, int]] = []
        spans.elements[key] = placed
        found: list[Run] = []

        def known(start: int) -> Run | None:
            run = RUNS.find(key, text, start)
            # the run's last element ends where the text's does only if a separator follows
            # (a number or a literal could go on: "1" then "12")
            if run is not None and text[skip(text, start + len(run.text)) :][:1] not in ",]":
                run = None
            if run is not None:
                placed.extend((start + a, start + b) for a, b in run.spans)
                found.append(run)
            return run

        def element(_: int, start: int) -> tuple[Any, int]:
            value, end = _value(text, start)
            placed.append((start, end))
            return value, end

        values, end = _elements(text, at, element, known)
        reused = found[0] if found else None
        count = len(reused.values) if reused is not None else 0
        if reused is not None and count == len(values):
            spans.runs[key] = (reused, count, reused)
        elif values:
            spans.runs[key] = (reused, count, RUNS.add(key, text, placed, values))
        return values, end

    start = skip(text, 0)
    if not text.startswith("{", start):
        raise _Unexpected
    data, end = _members(text, start, top, spans.top)
    if skip(text, end) != len(text):
        raise _Unexpected  # trailing data
    return data


def scan(text: str) -> tuple[dict[str, Any], Spans] | None:
    """``text`` read as ``json.loads`` reads it, with its spans; None when the scan does not
    follow it (then read it plainly)."""
    spans = Spans(text)
    try:
        return _top(spans), spans
    except (_Unexpected, ValueError, RecursionError):
        return None


def members(text: str, start: int) -> Gaps | None:
    """The separators and member spans of the object whose text starts at ``start``; None
    when it is not an object with members, or repeats a key."""
    gaps = Gaps()

    def value(key: str, at: int) -> tuple[Any, int]:
        found = _value(text, at)
        gaps.values[key] = (at, found[1])
        return found

    return gaps if _object(text, start, value, gaps) else None
