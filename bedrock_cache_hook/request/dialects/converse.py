"""The Converse / ConverseStream wire format: read it into a Prefix, write markers back.

Markers are ``{"cachePoint": {"type": "default"}}`` list elements (``"ttl": "1h"`` added only
when asked and known to botocore) in ``toolConfig.tools``, ``system`` and message contents.
Writing is copy-on-write: only the lists that receive a marker are copied, and the caller's
lists and dicts are never modified at any depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...catalog import ModelSpec
from ..prefix import (
    Block,
    Marker,
    Prefix,
    Section,
    build,
    dynamic_kind,
    location,
)
from ..shape import identity, structured
from .body import salt_of
from .converse_tokens import block_tokens, bytes_default, converse_json
from .converse_write import apply, inserted, marker_element, with_markers
from .known import KNOWN, KNOWN_LISTS, KNOWN_MESSAGES, KNOWN_RUNS

MARKER_KEY = "cachePoint"

#: besides ``toolConfig.toolChoice``, the keys whose change invalidates the messages cache
#: without changing any block
_MESSAGE_SALT_KEYS = ("additionalModelRequestFields", "outputConfig")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _marker_problems(element: Mapping[str, Any]) -> tuple[str, ...]:
    problems: list[str] = []
    if len(element) > 1:
        problems.append("shares-block")
    point = element.get(MARKER_KEY)
    if not isinstance(point, Mapping) or "type" not in point:
        problems.append("missing-type")
    elif point.get("type") != "default":
        problems.append("unknown-type")
    return tuple(problems)


def _marker_ttl(element: Mapping[str, Any]) -> str | None:
    point = element.get(MARKER_KEY)
    ttl = point.get("ttl") if isinstance(point, Mapping) else None
    return ttl if isinstance(ttl, str) else None


class _Reader:
    """One pass over a request, building blocks and markers in processing order."""

    def __init__(self, spec: ModelSpec | None, cache: dict[int, Block] | None) -> None:
        self.spec = spec
        self.blocks: list[Block] = []
        self.markers: list[Marker] = []
        self.locations: list[str] = []
        self.cache = cache
        self.sections = spec.sections if spec is not None else None

    def section_ok(self, section: Section) -> bool:
        return self.spec is None or section in self.spec.sections

    def marker(
        self,
        section: Section,
        path: tuple[int, ...],
        element: Mapping[str, Any],
        extra: tuple[str, ...] = (),
    ) -> None:
        self.markers.append(
            Marker(
                section,
                path,
                len(self.blocks) - 1,
                _marker_ttl(element),
                _marker_problems(element) + extra,
            )
        )
        self.locations.append(location(section, path) + (".toolResult" if extra else ""))

    def block(
        self,
        section: Section,
        path: tuple[int, ...],
        element: Any,
        role: str | None = None,
        salt: bytes = b"",
    ) -> None:
        # (the per-call ``cache`` serves dialects that read a body twice; Converse reads once)
        text = element.get("text") if type(element) is dict and len(element) == 1 else None
        key = (section, path, role, salt, self.sections)
        known = KNOWN.get(element, text, key)
        if known is not None:
            self.blocks.append(known)
            if known.kind == "toolResult":
                self._nested_markers(section, path, element.get("toolResult"))
            return
        mapping = type(element) is dict or isinstance(element, Mapping)
        kind = next(iter(element), "") if mapping and element else "unknown"
        body = element.get(kind) if mapping else None
        scan = section != "messages"  # per-call values matter only before the first marker
        if kind == "text" and isinstance(body, str):
            content_digest = identity("t", role, salt, body)
            length, dynamic = len(body), dynamic_kind(body) if scan else None
        else:
            h, length, dynamic = structured(element, scan, converse_json)
            content_digest = identity("j", role, salt, h)
        markable = self.section_ok(section)
        if kind == "reasoningContent":
            markable, kind = False, "reasoning"
        elif kind == "document" and not (isinstance(body, Mapping) and body.get("format") == "pdf"):
            markable = False
        block = Block(
            section,
            path,
            kind,
            block_tokens(kind if kind != "reasoning" else "reasoningContent", body, length),
            content_digest,
            markable,
            dynamic,
            role,
        )
        KNOWN.put(element, text, key, block, length)
        self.blocks.append(block)
        if kind == "toolResult":
            self._nested_markers(section, path, body)

    def _nested_markers(self, section: Section, path: tuple[int, ...], body: Any) -> None:
        if isinstance(body, Mapping):
            for item in _list(body.get("content")):
                if isinstance(item, Mapping) and MARKER_KEY in item:
                    self.marker(section, path, item, ("in-tool-result",))

    def items(self, section: Section, elements: list[Any]) -> None:
        if not elements:
            return
        # a tools or system list sent again: one == over it instead of one lookup per block
        key = (section, self.sections)
        reused, run = KNOWN_LISTS.get(elements, key)
        blocks = self.blocks
        start = len(blocks)
        blocks.extend(run)
        through, clean = [0] * len(elements), reused
        for i in range(reused, len(elements)):
            element = elements[i]
            if (type(element) is dict or isinstance(element, Mapping)) and MARKER_KEY in element:
                self.marker(section, (i,), element)
            else:
                self.block(section, (i,), element)
                clean += clean == i
            through[i] = len(blocks) - start
        KNOWN_LISTS.put(elements, key, reused, clean, through, blocks, start)


def message_salt(params: Mapping[str, Any]) -> bytes:
    tool_config = params.get("toolConfig")
    choice = tool_config.get("toolChoice") if isinstance(tool_config, Mapping) else None
    values = [choice, *(params.get(key) for key in _MESSAGE_SALT_KEYS)]
    return salt_of(values, bytes_default)


def _message(
    reader: _Reader, m: int, message: Mapping[str, Any], salt: bytes, first: bool
) -> tuple[bool, bool]:
    """Read message ``m`` (``salt``: for its first block, when it holds the request's first):
    (it carries no marker, no block has been read yet)."""
    key = (m, salt, reader.sections)
    known = KNOWN_MESSAGES.get(message, None, key)
    if known is not None:
        reader.blocks.extend(known)
        return True, first and not known
    role = message.get("role")
    role = role if isinstance(role, str) else None
    blocks, markers = reader.blocks, reader.markers
    start, marked = len(blocks), len(markers)
    for c, element in enumerate(_list(message.get("content"))):
        if (type(element) is dict or isinstance(element, Mapping)) and MARKER_KEY in element:
            reader.marker("messages", (m, c), element)
            continue
        reader.block("messages", (m, c), element, role, salt if first else b"")
        first = False
    if len(markers) != marked:  # a message with markers is read element by element
        return False, first
    read = tuple(blocks[start:])
    KNOWN_MESSAGES.put(message, None, key, read, 4 * sum(b.tokens for b in read))
    return True, first


def parse(
    params: Mapping[str, Any], spec: ModelSpec | None, cache: dict[int, Block] | None = None
) -> tuple[Prefix, list[str]]:
    """The request's prefix and the wire location of each of its markers."""
    reader = _Reader(spec, cache)
    tool_config = params.get("toolConfig")
    if isinstance(tool_config, Mapping):
        reader.items("tools", _list(tool_config.get("tools")))
    reader.items("system", _list(params.get("system")))
    salt = message_salt(params)
    blocks, markers = reader.blocks, reader.markers
    messages = _list(params.get("messages"))
    run_key = (salt, reader.sections)
    reused, run = KNOWN_RUNS.get(messages, run_key) if messages else (0, ())
    head = len(blocks)
    blocks.extend(run)
    first = not run
    # message blocks through each message, and how many leading messages carry no marker
    through = [0] * len(messages)
    clean = reused
    for m in range(reused, len(messages)):
        message = messages[m]
        if type(message) is dict or isinstance(message, Mapping):
            marker_free, first = _message(reader, m, message, salt if first else b"", first)
            clean += marker_free and clean == m
        through[m] = len(blocks) - head
    kept = (
        KNOWN_RUNS.put(messages, run_key, reused, clean, through, blocks, head)
        if messages
        else None
    )
    return build(blocks, markers, spec, (head, run, kept)), reader.locations


def count_markers(params: Mapping[str, Any]) -> int:
    """Cache markers in tools, system and every message's content."""
    return len(parse(params, None)[0].markers)


def features(operation_model: Any) -> tuple[bool, bool]:
    """(botocore knows ``cachePoint``, botocore knows ``cachePoint.ttl``) for this operation."""
    try:
        system = operation_model.input_shape.members["system"].member
        point = system.members.get(MARKER_KEY)
    except (AttributeError, KeyError):
        return False, False
    if point is None:
        return False, False
    return True, "ttl" in point.members


__all__ = [
    "MARKER_KEY",
    "apply",
    "count_markers",
    "features",
    "inserted",
    "marker_element",
    "message_salt",
    "parse",
    "with_markers",
]
