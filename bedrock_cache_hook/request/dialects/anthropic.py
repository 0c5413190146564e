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
from ..tokens import document_tokens, image_tokens, json_tokens, text_tokens
from . import betas
from .anthropic_write import apply, control, marker_ttl, with_markers
from .body import canonical, decode_base64, salt_of

__all__ = ["apply", "control", "findings", "parse", "with_markers"]

MARKER_KEY = "cache_control"
_THINKING = frozenset(("thinking", "redacted_thinking"))
#: body keys whose change invalidates the messages cache without changing any block
_SALT_KEYS = ("tool_choice", "thinking")
#: base64 characters decoded to read an image's size from its header
_IMAGE_HEAD = 8192


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


def _tokens(kind: str, block: Mapping[str, Any], json_length: int) -> int:
    if kind == "text" and isinstance(block.get("text"), str):
        return text_tokens(block["text"])
    if kind == "thinking" and isinstance(block.get("thinking"), str):
        return text_tokens(block["thinking"])
    source = block.get("source")
    source = source if isinstance(source, Mapping) else {}
    if kind == "image":
        if source.get("type") == "base64":
            return image_tokens(decode_base64(source.get("data"), _IMAGE_HEAD))
        return image_tokens(None)
    if kind == "document":
        if source.get("type") == "text" and isinstance(source.get("data"), str):
            return text_tokens(source["data"])
        if source.get("type") == "base64":
            pdf = source.get("media_type") == "application/pdf"
            return document_tokens(decode_base64(source.get("data")), "pdf" if pdf else None)
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, str):
            return text_tokens(content)
        if isinstance(content, list):
            total = 1
            for item in content:
                if not isinstance(item, Mapping):
                    continue
                kind = str(item.get("type"))
                text = item.get("text")
                if kind == "text" and isinstance(text, str):  # no walk: its length is enough
                    total += text_tokens(text)
                else:
                    total += _tokens(kind, item, structured(item, False, canonical)[1])
            return total
    return json_tokens(json_length)


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

    def __init__(self, spec: ModelSpec | None, cache: dict[int, Block] | None) -> None:
        self.spec = spec
        self.cache = cache
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
            _tokens(kind, block, length),
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
        # (no per-call ``cache``: a marked Anthropic body is derived, never read twice)
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
    body: Mapping[str, Any], spec: ModelSpec | None, cache: dict[int, Block] | None = None
) -> tuple[Prefix, list[str]]:
    """The body's prefix and the wire location of each of its markers."""
    reader = _Reader(spec, cache)
    for i, tool in enumerate(_list(body.get("tools"))):
        reader.add("tools", (i,), tool)
    system = body.get("system")
    if isinstance(system, str):
        reader.add("system", (0,), system, whole=True)
    for i, block in enumerate(_list(system)):
        reader.add("system", (i,), block)
    salt = message_salt(body)
    first = True
    for m, message in enumerate(_list(body.get("messages"))):
        if not isinstance(message, Mapping):
            continue
        role = message.get("role") if isinstance(message.get("role"), str) else None
        content = message.get("content")
        whole = isinstance(content, str)
        for c, element in enumerate([content] if whole else _list(content)):
            reader.add("messages", (m, c), element, role, salt=salt if first else b"", whole=whole)
            first = False
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
