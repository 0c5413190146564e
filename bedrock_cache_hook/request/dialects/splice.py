"""One ``json.dumps`` per marked InvokeModel body instead of two.

A body may be re-written only when re-serializing it gives the caller's text back (a
:data:`~.body.STYLES` layout); proving that takes a dumps of the whole body, and writing the
marked body took a second one. Here the proof is a dumps of the body with a few nodes left
open (placeholders: the blocks a marker can land on): the caller's text is those pieces with
each open node's own serialization in between. The marked body is the same pieces with the
marked nodes' new serialization: nothing else changed (copy-on-write shares every other
object). JSON serialization is compositional, so both are exact; a placeholder that occurs
more than once (the caller's text holds it) or a change outside the open nodes falls back
to the full dumps.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from ..prefix import Prefix
from .body import STYLES, BodyRead, _faithful

__all__ = ["Template", "open_paths", "settle", "splice"]

Path = tuple[str | int, ...]
_MARK = "\x00bedrock-cache-hook-" + secrets.token_hex(8) + "-"


class Template:
    """The body serialized once, cut at its open nodes."""

    __slots__ = ("nodes", "options", "pieces", "rendered")

    def __init__(
        self, pieces: list[str], nodes: list[Path], rendered: list[str], style: str
    ) -> None:
        self.pieces = pieces  # len(nodes) + 1 pieces of text around the open nodes
        self.nodes = nodes  # the open nodes, in text order
        self.rendered = rendered  # each open node's serialization in the caller's body
        self.options = STYLES[style]


def _opened(value: Any, paths: Sequence[Path], depth: int, names: dict[Path, str]) -> Any:
    """A copy of ``value`` down to each path, the node at each path a placeholder."""
    here = [p for p in paths if len(p) > depth]
    if not here:
        return names[paths[0]]
    out: Any = dict(value) if type(value) is dict else list(value)
    for step in dict.fromkeys(p[depth] for p in here):
        below = [p for p in here if p[depth] == step]
        out[step] = _opened(value[step], below, depth + 1, names)
    return out


def _template(data: dict[str, Any], text: str, paths: list[Path], style: str) -> Template | None:
    options = STYLES[style]
    names = {path: f"{_MARK}{i}" for i, path in enumerate(paths)}
    try:
        whole = json.dumps(_opened(data, paths, 0, names) if paths else data, **options)
        head = json.dumps(_MARK, **options)[:-1]  # every placeholder starts so, quote included
        # exactly one occurrence per placeholder: the caller's text holds none of them
        if whole.count(head) != len(paths):
            return None
        found, at = [], whole.find(head)
        while at >= 0:
            close = whole.index('"', at + len(head))
            found.append((at, close + 1, paths[int(whole[at + len(head) : close])]))
            at = whole.find(head, close)
        nodes = [path for _, _, path in found]
        rendered = [json.dumps(_node(data, path), **options) for path in nodes]
    except (ValueError, RecursionError, KeyError, IndexError, TypeError):
        return None
    if len(set(nodes)) != len(paths):
        return None
    pieces, start = [], 0
    for at, end, _ in found:
        pieces.append(whole[start:at])
        start = end
    pieces.append(whole[start:])
    if _joined(pieces, rendered) != text:
        return None
    return Template(pieces, nodes, rendered, style)


def _node(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data


def _joined(pieces: list[str], rendered: list[str]) -> str:
    out = [pieces[0]]
    for value, piece in zip(rendered, pieces[1:], strict=True):
        out.append(value)
        out.append(piece)
    return "".join(out)


#: message ends left open, counted from the last (where the planner marks a conversation)
_LAST_ENDS = 6


def open_paths(data: dict[str, Any], prefix: Prefix) -> list[Path]:
    """Where markers may land in an Anthropic body: the ends of tools and system, the first
    message's blocks and the last message ends; and ``anthropic_beta``, which they extend."""
    last, ends = prefix.last, prefix.ends
    head = range(ends[0] + 1) if ends else range(0)
    first = [i for i in head if prefix.blocks[i].section == "messages"]
    picked = {last.get("tools", -1), last.get("system", -1), *first[:8], *ends[-_LAST_ENDS:]}
    paths: list[Path] = [("anthropic_beta",)] if "anthropic_beta" in data else []
    for index in sorted(i for i in picked if i >= 0):
        block = prefix.blocks[index]
        if block.section == "messages":
            m, c = block.path
            whole = isinstance(data["messages"][m].get("content"), str)
            paths.append(("messages", m, "content") if whole else ("messages", m, "content", c))
        elif block.section == "system" and isinstance(data.get("system"), str):
            paths.append(("system",))
        else:
            paths.append((block.section, block.path[0]))
    return list(dict.fromkeys(paths))


def settle(read: BodyRead, paths: list[Path]) -> Template | None:
    """Settle whether ``read`` may be re-written (as :attr:`BodyRead.rewritable` would), with
    ``paths`` left open; the template when a style writes the body back."""
    text = read.pending
    if text is None or read.data is None:
        return None
    read.pending = None
    for style in STYLES:
        template = _template(read.data, text, paths, style)
        if template is not None:
            read.rewritable, read.style = True, style
            return template
    read.rewritable = _faithful(text)
    return None


def splice(template: Template, original: dict[str, Any], marked: dict[str, Any]) -> str | None:
    """The marked body's text from the template; None when it changed elsewhere too."""
    changed: dict[Path, Any] = {}
    if not _diff(original, marked, (), set(template.nodes), changed):
        return None
    options = template.options
    rendered = [
        json.dumps(changed[path], **options) if path in changed else value
        for path, value in zip(template.nodes, template.rendered, strict=True)
    ]
    pieces = template.pieces
    added = [key for key in marked if key not in original]
    if added and not original:
        return None
    if added:  # top-level keys appended (anthropic_beta): before the closing brace
        item, colon = options.get("separators", (", ", ": "))
        tail = "".join(
            f"{item}{json.dumps(key, **options)}{colon}{json.dumps(marked[key], **options)}"
            for key in added
        )
        pieces = [*pieces[:-1], pieces[-1][:-1] + tail + "}"]
    return _joined(pieces, rendered)


def _diff(
    original: Any, marked: Any, path: Path, nodes: set[Path], changed: dict[Path, Any]
) -> bool:
    """Collect the open nodes that changed; False when anything else did."""
    if marked is original:
        return True
    if path in nodes:
        changed[path] = marked
        return True
    if type(original) is dict and type(marked) is dict:
        keys = list(marked)
        if keys[: len(original)] != list(original) or (path and len(keys) != len(original)):
            return False  # keys may only be appended, and only at the top level
        return all(_diff(original[k], marked[k], (*path, k), nodes, changed) for k in original)
    if type(original) is list and type(marked) is list and len(original) == len(marked):
        for i, (a, b) in enumerate(zip(original, marked, strict=True)):
            if a is not b and not _diff(a, b, (*path, i), nodes, changed):
                return False
        return True
    return False
