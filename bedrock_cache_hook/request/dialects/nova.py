"""The Amazon Nova InvokeModel body (``messages-v1``): read it into a Prefix, write markers.

Body shape: ``{"schemaVersion": "messages-v1", "system": [{"text": ...}], "messages":
[{"role": ..., "content": [{"text": ...}, {"image": ...}, ...]}], "toolConfig": {"tools":
[...]}, "inferenceConfig": {...}}``. A marker is ``"cachePoint": {"type": "default"}`` as an
extra key inside a text object of ``system`` or ``messages[].content`` (reference section 2);
a ``{"cachePoint": ...}`` element of its own, Converse style, is read as a marker after the
block before it. We write markers only inside non-empty text blocks, never in tools (Nova
rejects tool markers; the shared audit flags a caller's). Copy-on-write, like every dialect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...catalog import ModelSpec
from ..planner import PlannedMarker
from ..prefix import Block, Marker, Prefix, Section, build, digest, dynamic_kind, location
from ..tokens import IMAGE_TOKEN_CAP, document_tokens, image_tokens, json_tokens, text_tokens
from .body import canonical, decode_base64, salt_of, utf8
from .marking import Positions, markers_inside, rewrite

__all__ = ["apply", "parse"]

MARKER_KEY = "cachePoint"
_IMAGE_HEAD = 8192


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tokens(kind: str, body: Any, encoded: str) -> int:
    if kind == "text" and isinstance(body, str):
        return text_tokens(body)
    source = body.get("source") if isinstance(body, Mapping) else None
    data = source.get("bytes") if isinstance(source, Mapping) else None
    if kind == "image":
        return image_tokens(decode_base64(data, _IMAGE_HEAD))
    if kind == "document" and isinstance(body, Mapping):
        return document_tokens(decode_base64(data), str(body.get("format")))
    if kind == "video":
        return IMAGE_TOKEN_CAP
    if kind == "reasoningContent" and isinstance(body, Mapping):
        reasoning = body.get("reasoningText")
        if isinstance(reasoning, Mapping) and isinstance(reasoning.get("text"), str):
            return text_tokens(reasoning["text"])
    return json_tokens(len(encoded))


def _problems(point: Any) -> tuple[str, ...]:
    if not isinstance(point, Mapping) or "type" not in point:
        return ("missing-type",)
    if point.get("type") != "default":
        return ("unknown-type",)
    return ()


def _ttl(point: Any) -> str | None:
    ttl = point.get("ttl") if isinstance(point, Mapping) else None
    return ttl if isinstance(ttl, str) else None


class _Reader:
    def __init__(self, spec: ModelSpec | None) -> None:
        self.spec = spec
        self.blocks: list[Block] = []
        self.markers: list[Marker] = []
        self.locations: list[str] = []

    def _block(
        self,
        section: Section,
        path: tuple[int, ...],
        element: Mapping[str, Any],
        role: str | None,
        salt: bytes,
    ) -> Block:
        kind = next((k for k in element if k != MARKER_KEY), "unknown")
        body = element.get(kind)
        if kind == "text" and isinstance(body, str):
            encoded, tag = body, b"t"
        else:
            encoded, tag = canonical({k: v for k, v in element.items() if k != MARKER_KEY}), b"j"
        markable = (
            kind == "text"
            and bool(body)
            and section != "tools"
            and (self.spec is None or section in self.spec.sections)
        )
        return Block(
            section,
            path,
            "reasoning" if kind == "reasoningContent" else kind,
            _tokens(kind, body, encoded),
            digest(tag + utf8(role or "") + salt + utf8(encoded)),
            markable,
            dynamic_kind(encoded) if section != "messages" else None,
            role,
        )

    def items(
        self,
        section: Section,
        path: tuple[int, ...],
        elements: list[Any],
        role: str | None = None,
        salt: bytes = b"",
    ) -> None:
        for i, element in enumerate(elements):
            here = (*path, i)
            if not isinstance(element, Mapping):
                continue
            if any(k != MARKER_KEY for k in element):
                self.blocks.append(self._block(section, here, element, role, salt))
                salt = b""
            point = element.get(MARKER_KEY)
            if point is not None:
                self.markers.append(
                    Marker(section, here, len(self.blocks) - 1, _ttl(point), _problems(point))
                )
                self.locations.append(location(section, here))


def parse(
    body: Mapping[str, Any], spec: ModelSpec | None, cache: dict[int, Block] | None = None
) -> tuple[Prefix, list[str]]:
    """The body's prefix and the wire location of each of its markers (``cache`` unused)."""
    reader = _Reader(spec)
    tool_config = body.get("toolConfig")
    if isinstance(tool_config, Mapping):
        reader.items("tools", (), _list(tool_config.get("tools")))
    reader.items("system", (), _list(body.get("system")))
    # the tool choice invalidates the messages cache: folded into the first message block
    choice = tool_config.get("toolChoice") if isinstance(tool_config, Mapping) else None
    salt = salt_of([choice])
    for m, message in enumerate(_list(body.get("messages"))):
        if isinstance(message, Mapping):
            role = message.get("role") if isinstance(message.get("role"), str) else None
            before = len(reader.blocks)
            reader.items("messages", (m,), _list(message.get("content")), role, salt)
            salt = salt if len(reader.blocks) == before else b""
    return build(reader.blocks, reader.markers, spec), reader.locations


def point(ttl: str | None) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "default"}
    if ttl is not None and ttl != "5m":
        value["ttl"] = ttl
    return value


def _point_list(items: Any, positions: Positions) -> list[Any]:
    """A copy of a text-block list with ``cachePoint`` inside the blocks at ``positions``."""
    out = list(items)
    for index, ttl in positions:
        out[index] = {**out[index], MARKER_KEY: point(ttl)}
    return out


def apply(
    body: Mapping[str, Any], prefix: Prefix, markers: Sequence[PlannedMarker]
) -> dict[str, Any]:
    """A new body with ``cachePoint`` inside the planned text blocks; the input untouched
    (Nova caches no tools: tool markers are never written)."""
    return {**body, **rewrite(body, prefix, markers, _point_list, None)}


def with_markers(
    prefix: Prefix, locations: Sequence[str], markers: Sequence[PlannedMarker]
) -> tuple[Prefix, list[str]]:
    """The prefix and marker locations of the body after :func:`apply` added ``markers``,
    without reading it again: ``cachePoint`` goes inside the text block it caches, and a
    block's digest leaves that key out."""
    return markers_inside(prefix, locations, markers, _sent_ttl, "toolConfig.tools")


def _sent_ttl(ttl: str | None) -> str | None:
    return _ttl(point(ttl))
