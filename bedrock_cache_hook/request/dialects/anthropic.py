"""The Anthropic Messages body of InvokeModel: read it into a Prefix, write markers back.

Wire facts (reference section 2): a marker is ``"cache_control": {"type": "ephemeral"}``
(``"ttl": "1h"`` added only for 1h; 5m is the default and omitted) *inside* the block it
caches: ``tools[i]``, ``system[i]``, ``messages[m].content[c]``. So the abstract plan's "marker
after block k" is ``cache_control`` on block k itself. A string ``system`` or string
``content`` is one text block; it becomes ``[{"type": "text", "text": ...}]`` only where a
marker goes. Never on ``thinking`` / ``redacted_thinking`` blocks or empty text; never a
top-level ``cache_control`` (Bedrock rejects it; the audit flags a caller who sends one).
``"cache_control": null`` is no marker.

Beta flags (``anthropic_beta``) are :mod:`.betas`' concern.

Writing is copy-on-write: the returned body shares every list and dict it did not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...catalog import ModelSpec
from ..findings import Finding, finding
from ..prefix import (
    Block,
    Marker,
    Prefix,
    Section,
    build,
    dynamic_kind,
    location,
)
from ..shape import identity, structured, structured_fresh
from . import betas
from .anthropic_tokens import block_tokens
from .anthropic_write import apply, control, marker_ttl, with_markers
from .body import canonical, salt_of
from .seen import Seen, read_list
from .spans import Spans

__all__ = ["apply", "control", "findings", "parse", "with_markers"]

MARKER_KEY = "cache_control"
_THINKING = frozenset(("thinking", "redacted_thinking"))
#: body keys whose change invalidates the messages cache without changing any block
_SALT_KEYS = ("tool_choice", "thinking")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _control(element: Any) -> Any:
    """The block's ``cache_control`` value; None when absent or null (no marker)."""
    if type(element) is dict:
        return element.get(MARKER_KEY)
    return element.get(MARKER_KEY) if isinstance(element, Mapping) else None


def _text_of(element: Any) -> str:
    if isinstance(element, str):
        return element
    text = element.get("text") if isinstance(element, Mapping) else None
    return text if isinstance(text, str) else ""


def _problems(control: Any, kind: str, empty_text: bool) -> tuple[str, ...]:
    problems: list[str] = []
    if not isinstance(control, Mapping) or "type" not in control:
        problems.append("missing-type")
    elif control.get("type") != "ephemeral":
        problems.append("unknown-type")
    if kind in _THINKING:
        problems.append("on-thinking")
    if empty_text:
        problems.append("on-empty-text")
    return tuple(problems)


class _Reader:
    """One pass over a body, building blocks and markers in processing order."""

    def __init__(self, spec: ModelSpec | None, spans: Spans | None) -> None:
        self.spec = spec
        self.seen = Seen(spans, spec.sections if spec is not None else None) if spans else None
        self.blocks: list[Block] = []
        self.markers: list[Marker] = []
        self.locations: list[str] = []

    def _block(
        self,
        section: Section,
        path: tuple[int, ...],
        element: Any,
        role: str | None,
        *,
        salt: bytes,
        whole: bool,
    ) -> Block:
        text: Any
        if isinstance(element, str) and whole:  # a string system / content: one text block
            kind, text = "text", element
            block: Mapping[str, Any] = {"type": "text", "text": element}
        elif type(element) is dict or isinstance(element, Mapping):
            # the block without its marker: copied only when it has one
            block = (
                {k: v for k, v in element.items() if k != MARKER_KEY}
                if MARKER_KEY in element
                else element
            )
            kind = "tool" if section == "tools" else str(block.get("type", "unknown"))
            text = block.get("text") if kind == "text" else None
        else:  # malformed (a string or number inside a list): counted, never marked
            kind, text, block = "malformed", None, {}
        scan = section != "messages"  # per-call values matter only before the first marker
        if type(text) is str or isinstance(text, str):
            content_digest = identity("t", role, salt, text)
            length, dynamic = len(text), dynamic_kind(text) if scan else None
        else:
            # tool schemas: deep, small leaves, the same every call; the rest: a few nodes
            read = structured_fresh if section == "tools" else structured
            h, length, dynamic = read(block or element, scan, canonical)
            content_digest = identity("j", role, salt, h)
        markable = (
            (self.spec is None or section in self.spec.sections)
            and kind not in _THINKING
            and kind != "malformed"
            and not (kind == "text" and not text)
        )
        return Block(
            section,
            path,
            kind,
            block_tokens(kind, block, length),
            content_digest,
            markable,
            dynamic,
            role,
        )

    def add(
        self,
        section: Section,
        path: tuple[int, ...],
        element: Any,
        role: str | None = None,
        *,
        salt: bytes = b"",
        whole: bool = False,
    ) -> None:
        block = self._block(section, path, element, role, salt=salt, whole=whole)
        self.blocks.append(block)
        control = _control(element)
        if control is not None:
            empty = block.kind == "text" and not _text_of(element)
            where = location(section, path, "tools")
            self._marker(section, path, control, _problems(control, block.kind, empty), where)
        if block.kind == "tool_result" and isinstance(element, Mapping):
            for k, item in enumerate(_list(element.get("content"))):
                nested = _control(item)
                if nested is not None:
                    where = location(section, path, "tools")
                    self._marker(
                        section, path, nested, _problems(nested, "", False), f"{where}.content[{k}]"
                    )

    def element(self, section: Section, i: int, element: Any, *, whole: bool = False) -> bool:
        """A tool or system element: reused by its text, or read; False if it has a marker."""
        where = (section,) if whole else (section, i)
        found = self.seen.element(where, self.seen.spans.leaf(where), b"") if self.seen else None
        if self.reused(found):
            return True
        start, markers = len(self.blocks), len(self.markers)
        self.add(section, (i,), element, whole=whole)
        return self.kept(found, start, markers)

    def message(self, m: int, message: Mapping[str, Any], salt: bytes, span: Any) -> bool:
        """A message: reused by its text, or read; False if it has a marker."""
        found = self.seen.element(("messages", m), span, salt) if self.seen else None
        if self.reused(found):
            return True
        start, markers = len(self.blocks), len(self.markers)
        role = message.get("role") if isinstance(message.get("role"), str) else None
        content = message.get("content")
        whole = isinstance(content, str)
        for c, element in enumerate([content] if whole else _list(content)):
            self.add("messages", (m, c), element, role, salt=salt, whole=whole)
            salt = b""
        return self.kept(found, start, markers)

    def reused(self, found: Any) -> bool:
        return self.seen is not None and self.seen.reuse(found, self.blocks)

    def kept(self, found: Any, start: int, markers: int) -> bool:
        """Keep what was read since ``start`` by its text; False when it added a marker."""
        if len(self.markers) != markers:
            return False
        if self.seen is not None:
            self.seen.keep(found, self.blocks[start:])
        return True

    def _marker(
        self,
        section: Section,
        path: tuple[int, ...],
        control: Any,
        problems: tuple[str, ...],
        where: str,
    ) -> None:
        self.markers.append(
            Marker(section, path, len(self.blocks) - 1, marker_ttl(control), problems)
        )
        self.locations.append(where)


def message_salt(body: Mapping[str, Any]) -> bytes:
    return salt_of(body.get(key) for key in _SALT_KEYS)


def parse(
    body: Mapping[str, Any],
    spec: ModelSpec | None,
    cache: dict[int, Block] | None = None,
    spans: Spans | None = None,
) -> tuple[Prefix, list[str]]:
    """The body's prefix and the wire location of each of its markers. ``spans``: where each
    element sits in the caller's text (what was read before from the same text is reused);
    ``cache`` is unused (a marked Anthropic body is derived, never read twice)."""
    reader = _Reader(spec, spans)
    seen, blocks = reader.seen, reader.blocks

    def tool(i: int, item: Any, _: int) -> bool:
        return reader.element("tools", i, item)

    def system_block(i: int, item: Any, _: int) -> bool:
        return reader.element("system", i, item)

    read_list(seen, "tools", _list(body.get("tools")), blocks=blocks, read=tool)
    system = body.get("system")
    if isinstance(system, str):
        reader.element("system", 0, system, whole=True)
    read_list(seen, "system", _list(system), blocks=blocks, read=system_block)
    salt = message_salt(body)
    messages = _list(body.get("messages"))
    placed = spans.messages if spans is not None and len(spans.messages) == len(messages) else []

    def message(m: int, item: Any, base: int) -> bool:
        if not isinstance(item, Mapping):
            return True
        first = salt if len(reader.blocks) == base else b""  # the salt goes on the first block
        return reader.message(m, item, first, placed[m] if placed else None)

    read_list(seen, "messages", messages, salt=salt, blocks=blocks, read=message)
    return build(reader.blocks, reader.markers, spec), reader.locations


def findings(body: Mapping[str, Any], spec: ModelSpec | None, prefix: Prefix) -> list[Finding]:
    """What the shared rules cannot see: top-level ``cache_control`` and beta flags."""
    out: list[Finding] = []
    if body.get(MARKER_KEY) is not None:
        out.append(
            finding(
                "top-level-cache-control",
                "Bedrock rejects a request-level cache_control (Extra inputs are not permitted)",
                MARKER_KEY,
            )
        )
    if spec is not None:
        out.extend(betas.findings(body, spec, prefix))
    return out
