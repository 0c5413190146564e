"""Writing markers into the caller's body text: only what the hook adds is written.

Every other byte goes out as the caller wrote it: a marked block gets its ``cache_control``
member inserted before its closing brace (or its value replaced), a string made a one-block
list keeps the string's own text, ``anthropic_beta`` gets its new items appended; each
with the separators the caller used there. Nothing else has to re-serialize as the caller
wrote it, so nothing else is proven to (which took a dumps of the whole body). A change of
any other kind gives None: then the whole body is re-encoded, when that is faithful.
"""

from __future__ import annotations

import json
from itertools import compress, count
from operator import is_not
from typing import Any

from .body import STYLES
from .spans import SPACE as _SPACE
from .spans import Gaps, Path, Spans, members, skip

__all__ = ["splice"]


def _is_leaf(path: Path, spans: Spans, value: Any) -> bool:
    """Whether ``path`` is an element the splice re-writes whole (see :meth:`Spans.leaf`)."""
    if path[0] == "messages" and len(path) >= 3:
        return len(path) == 4 or (path[2] == "content" and type(value) is not list)
    return spans.leaf(path) is not None


def _changes(original: Any, marked: Any, path: Path, spans: Spans, out: list[Path]) -> bool:
    """Collect the leaves that changed; False when anything else did."""
    if marked is original:
        return True
    if path and _is_leaf(path, spans, original):
        out.append(path)
        return True
    if type(original) is dict and type(marked) is dict:
        if list(marked)[: len(original)] != list(original):
            return False
        if path and len(marked) != len(original):
            return False  # keys may be appended at the top level only
        return all(_changes(original[k], marked[k], (*path, k), spans, out) for k in original)
    if type(original) is list and type(marked) is list and len(original) == len(marked):
        differ = compress(count(), map(is_not, original, marked))  # at C speed: few differ
        return all(_changes(original[i], marked[i], (*path, i), spans, out) for i in differ)
    return False


def _node(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data


#: one encoder per layout, made once (``json.dumps`` with options makes one per call)
_ENCODERS = {
    spaced: json.JSONEncoder(**STYLES["default" if spaced else "compact"]).encode
    for spaced in (True, False)
}


class _Writer:
    """Writes new values in the caller's layout: its separators, compact or spaced."""

    def __init__(self, top: Gaps) -> None:
        spaced = top.colon.endswith(" ")
        self.colon = top.colon
        self.comma = top.comma if top.comma is not None else (", " if spaced else ",")
        self.item = ", " if spaced else ","  # inside a new object: on one line
        self.dumps = _ENCODERS[spaced]

    def member(self, key: str, value: Any) -> str:
        return f"{self.dumps(key)}{self.colon}{self.dumps(value)}"


def _edit(text: str, span: tuple[int, int], old: Any, new: Any, write: _Writer) -> str | None:
    """The new text of one changed element, as little of it re-written as can be."""
    start, end = span
    if type(old) is str and type(new) is list and len(new) == 1 and type(new[0]) is dict:
        block = new[0]  # a string made its one-block list: the string's own text kept
        if list(block)[:2] == ["type", "text"] and block["text"] is old:
            rest = [write.member(k, v) for k, v in block.items() if k not in ("type", "text")]
            head = f"{write.member('type', block['type'])}{write.item}{write.dumps('text')}"
            tail = "".join(f"{write.item}{member}" for member in rest)
            return f"[{{{head}{write.colon}{text[start:end]}{tail}}}]"
    if type(old) is dict and type(new) is dict and list(new)[: len(old)] == list(old):
        if all(new[k] is v for k, v in old.items()):  # members appended: no value changed
            return _appended(text, span, old, new, write)
        gaps = members(text, start)
        if gaps is not None and gaps.values.keys() == old.keys():
            return _edit_members(text, span, old, new, gaps)
    if type(old) is list and type(new) is list and new[: len(old)] == old:
        items = [write.dumps(item) for item in new[len(old) :]]
        if not old:
            return f"[{write.item.join(items)}]"
        last = _before_close(text, end)  # appended items: before the closing bracket
        added = "".join(f"{write.item}{item}" for item in items)
        return f"{text[start:last]}{added}{text[last:end]}"
    return None


def _before_close(text: str, end: int) -> int:
    """Where the last member or item of the object or array ending at ``end`` ends: back
    from its closing brace or bracket over the whitespace before it."""
    last = end - 1
    while text[last - 1] in _SPACE:
        last -= 1
    return last


def _appended(
    text: str, span: tuple[int, int], old: dict[str, Any], new: dict[str, Any], write: _Writer
) -> str:
    """An object with members appended: inserted before its closing brace, separated as
    its own members are (the whitespace its first member is indented by), the rest kept."""
    start, end = span
    last = _before_close(text, end)
    indent = text[start + 1 : skip(text, start + 1)]
    comma = f",{indent}" if indent else write.item
    added = [write.member(k, new[k]) for k in list(new)[len(old) :]]
    inserted = "".join(f"{comma}{member}" for member in added) if old else comma.join(added)
    return f"{text[start:last]}{inserted}{text[last:end]}"


def _edit_members(
    text: str, span: tuple[int, int], old: dict[str, Any], new: dict[str, Any], gaps: Gaps
) -> str:
    """A changed object: changed values replaced in place, new members appended."""
    write = _Writer(gaps)
    edits: list[tuple[int, int, str]] = []
    for key, value in old.items():
        if new[key] is not value:
            at, stop = gaps.values[key]
            edits.append((at, stop, write.dumps(new[key])))
    added = "".join(f"{write.comma}{write.member(k, new[k])}" for k in list(new)[len(old) :])
    if added:
        edits.append((gaps.end, gaps.end, added))
    return _joined(text, *span, edits)


def _joined(text: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
    """``text[start:end]`` with each ``(at, stop, new)`` edit made (edits do not overlap)."""
    pieces, at = [], start
    for begin, stop, new in sorted(edits):
        pieces.append(text[at:begin])
        pieces.append(new)
        at = stop
    pieces.append(text[at:end])
    return "".join(pieces)


def splice(spans: Spans, original: dict[str, Any], marked: dict[str, Any]) -> str | None:
    """The caller's text with the changed elements re-written and the added top-level keys
    appended; None when anything else changed or an element cannot be re-written so."""
    changed: list[Path] = []
    if not _changes(original, marked, (), spans, changed):
        return None
    text = spans.text
    write = _Writer(spans.top)
    edits: list[tuple[int, int, str]] = []
    try:
        for path in changed:
            span = spans.leaf(path)
            if span is None:
                return None
            new = _edit(text, span, _node(original, path), _node(marked, path), write)
            if new is None:
                return None
            edits.append((*span, new))
        added = [key for key in marked if key not in original]
        if added:
            tail = "".join(f"{write.comma}{write.member(k, marked[k])}" for k in added)
            edits.append((spans.top.end, spans.top.end, tail))
    except (ValueError, RecursionError, TypeError):
        return None
    return _joined(text, 0, len(text), edits)
