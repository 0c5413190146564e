"""The Converse / ConverseStream wire format: read it into a Prefix, write markers back.

Markers are ``{"cachePoint": {"type": "default"}}`` list elements (``"ttl": "1h"`` added only
when asked and known to botocore) in ``toolConfig.tools``, ``system`` and message contents.
Writing is copy-on-write: only the lists that receive a marker are copied, and the caller's
lists and dicts are never modified at any depth.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ..catalog import ModelSpec
from ..planner import PlannedMarker
from ..prefix import (
    Block,
    Marker,
    Prefix,
    Section,
    build,
    digest,
    dynamic_kind,
    location,
)
from ..shape import identity, structured
from ..tokens import document_tokens, image_tokens, json_tokens, text_tokens
from .body import canonical, utf8

MARKER_KEY = "cachePoint"

#: the only keys whose change invalidates the messages cache without changing any block
_MESSAGE_SALT_KEYS = ("toolChoice", "additionalModelRequestFields", "outputConfig")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _bytes_default(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return digest(bytes(value)).hex()
    return type(value).__name__


def _json(value: Any) -> str:
    return canonical(value, _bytes_default)


def _source_bytes(source: Any) -> bytes | None:
    if isinstance(source, Mapping):
        data = source.get("bytes")
        if isinstance(data, bytes | bytearray):
            return bytes(data)
    return None


def _block_tokens(kind: str, body: Any, json_length: int) -> int:
    if kind == "text" and isinstance(body, str):
        return text_tokens(body)
    if kind == "image" and isinstance(body, Mapping):
        return image_tokens(_source_bytes(body.get("source")))
    if kind == "document" and isinstance(body, Mapping):
        source = body.get("source")
        text = source.get("text") if isinstance(source, Mapping) else None
        data = text if isinstance(text, str) else _source_bytes(source)
        return document_tokens(data, body.get("format"))
    if kind == "reasoningContent" and isinstance(body, Mapping):
        reasoning = body.get("reasoningText")
        if isinstance(reasoning, Mapping) and isinstance(reasoning.get("text"), str):
            return text_tokens(reasoning["text"])
    if kind == "toolResult" and isinstance(body, Mapping):
        return sum(
            _block_tokens(
                next(iter(item), ""),
                next(iter(item.values()), None),
                structured(item, False, _json)[1],
            )
            for item in _list(body.get("content"))
            if isinstance(item, Mapping) and item
        )
    return json_tokens(json_length)


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
        cached = self.cache.get(id(element)) if self.cache is not None and not salt else None
        if cached is not None and cached.path == path and cached.role == role:
            self.blocks.append(cached)
            return
        kind = next(iter(element), "") if isinstance(element, Mapping) and element else "unknown"
        body = element.get(kind) if isinstance(element, Mapping) else None
        scan = section != "messages"  # per-call values matter only before the first marker
        if kind == "text" and isinstance(body, str):
            content_digest = identity("t", role, salt, body)
            length, dynamic = len(body), dynamic_kind(body) if scan else None
        else:
            h, length, dynamic = structured(element, scan, _json)
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
            _block_tokens(kind if kind != "reasoning" else "reasoningContent", body, length),
            content_digest,
            markable,
            dynamic,
            role,
        )
        if self.cache is not None and not salt:
            self.cache[id(element)] = block
        self.blocks.append(block)
        if kind == "toolResult" and isinstance(body, Mapping):
            for item in _list(body.get("content")):
                if isinstance(item, Mapping) and MARKER_KEY in item:
                    self.marker(section, path, item, ("in-tool-result",))

    def items(self, section: Section, elements: Sequence[Any]) -> None:
        for i, element in enumerate(elements):
            if isinstance(element, Mapping) and MARKER_KEY in element:
                self.marker(section, (i,), element)
            else:
                self.block(section, (i,), element)


def message_salt(params: Mapping[str, Any]) -> bytes:
    parts = [_json(params.get(key)) for key in _MESSAGE_SALT_KEYS if params.get(key) is not None]
    return digest(utf8("|".join(parts))) if parts else b""


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
    first = True
    for m, message in enumerate(_list(params.get("messages"))):
        if not isinstance(message, Mapping):
            continue
        role = message.get("role") if isinstance(message.get("role"), str) else None
        for c, element in enumerate(_list(message.get("content"))):
            if isinstance(element, Mapping) and MARKER_KEY in element:
                reader.marker("messages", (m, c), element)
                continue
            reader.block("messages", (m, c), element, role, salt if first else b"")
            first = False
    return build(reader.blocks, reader.markers, spec), reader.locations


def count_markers(params: Mapping[str, Any]) -> int:
    """Cache markers in tools, system and every message's content."""
    return len(parse(params, None)[0].markers)


def marker_element(ttl: str | None) -> dict[str, Any]:
    point: dict[str, Any] = {"type": "default"}
    if ttl is not None:
        point["ttl"] = ttl
    return {MARKER_KEY: point}


def _insert(elements: list[Any], positions: Sequence[tuple[int, str | None]]) -> list[Any]:
    out = list(elements)
    for index, ttl in sorted(positions, reverse=True):
        out.insert(index + 1, marker_element(ttl))
    return out


def apply(
    params: Mapping[str, Any], prefix: Prefix, markers: Sequence[PlannedMarker]
) -> dict[str, Any]:
    """Top-level replacements that add ``markers``; the caller's objects stay untouched."""
    tools: list[tuple[int, str | None]] = []
    system: list[tuple[int, str | None]] = []
    per_message: dict[int, list[tuple[int, str | None]]] = {}
    for marker in markers:
        block = prefix.blocks[marker.after]
        if block.section == "tools":
            tools.append((block.path[0], marker.ttl))
        elif block.section == "system":
            system.append((block.path[0], marker.ttl))
        else:
            per_message.setdefault(block.path[0], []).append((block.path[1], marker.ttl))
    out: dict[str, Any] = {}
    if tools:
        tool_config = dict(params["toolConfig"])
        tool_config["tools"] = _insert(tool_config["tools"], tools)
        out["toolConfig"] = tool_config
    if system:
        out["system"] = _insert(params["system"], system)
    if per_message:
        messages = list(params["messages"])
        for m, positions in per_message.items():
            message = dict(messages[m])
            message["content"] = _insert(message["content"], positions)
            messages[m] = message
        out["messages"] = messages
    return out


def inserted(
    prefix: Prefix, markers: Sequence[PlannedMarker]
) -> tuple[tuple[tuple[str | int, ...], int], ...]:
    """Where :func:`apply` put each marker element: (path of its list, final index)."""
    groups: dict[tuple[str | int, ...], list[int]] = {}
    for marker in markers:
        block = prefix.blocks[marker.after]
        if block.section == "tools":
            key: tuple[str | int, ...] = ("toolConfig", "tools")
        elif block.section == "system":
            key = ("system",)
        else:
            key = ("messages", block.path[0], "content")
        groups.setdefault(key, []).append(block.path[-1])
    # inserting after sorted positions p0 < p1 < ... shifts the k-th one by k
    return tuple(
        (key, position + 1 + k)
        for key, positions in groups.items()
        for k, position in enumerate(sorted(positions))
    )


def _list_key(marker_or_block: Marker | Block) -> tuple[Section, int]:
    """The wire list an element sits in: tools, system, or one message's content."""
    path = marker_or_block.path
    return marker_or_block.section, (path[0] if marker_or_block.section == "messages" else -1)


def with_markers(
    prefix: Prefix, locations: Sequence[str], markers: Sequence[PlannedMarker]
) -> tuple[Prefix, list[str]]:
    """The prefix and marker locations of the request after :func:`apply` added ``markers``,
    without reading it again: the blocks are the same; markers already there move down by
    the inserts before them, and each new one sits right after its block."""
    inserts: dict[tuple[Section, int], list[int]] = {}
    for planned in markers:
        block = prefix.blocks[planned.after]
        inserts.setdefault(_list_key(block), []).append(block.path[-1])
    for positions in inserts.values():
        positions.sort()
    placed: list[tuple[tuple[int, int], Marker, str]] = []
    for marker, where in zip(prefix.markers, locations, strict=True):
        key = _list_key(marker)
        index = marker.path[-1]
        shift = sum(1 for p in inserts.get(key, ()) if p < index)
        path = (*marker.path[:-1], index + shift)
        suffix = ".toolResult" if where.endswith(".toolResult") else ""
        moved = Marker(marker.section, path, marker.after, marker.ttl, marker.problems)
        placed.append(((marker.after, 1), moved, location(marker.section, path) + suffix))
    for planned in markers:
        block = prefix.blocks[planned.after]
        position = block.path[-1]
        shift = sum(1 for p in inserts[_list_key(block)] if p < position)
        path = (*block.path[:-1], position + 1 + shift)
        new = Marker(block.section, path, planned.after, planned.ttl)
        placed.append(((planned.after, 0), new, location(block.section, path)))
    placed.sort(key=lambda item: item[0])
    blocks = list(prefix.blocks)
    for i, block in enumerate(blocks):
        before = inserts.get(_list_key(block))
        if before:
            index = block.path[-1]
            shift = sum(1 for p in before if p < index)
            if shift:
                blocks[i] = dataclasses.replace(block, path=(*block.path[:-1], index + shift))
    remarked = prefix.remarked(tuple(marker for _, marker, _ in placed), tuple(blocks))
    return remarked, [where for _, _, where in placed]


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
