"""Token estimates of Converse / ConverseStream content blocks, by kind (text, image,
document, reasoning, tool result; anything else by its compact JSON length), and the
canonical JSON (bytes as their digest) that length and a deep value's identity come from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..prefix import digest
from ..shape import structured
from ..tokens import document_tokens, image_tokens, json_tokens, text_tokens
from .body import canonical

__all__ = ["block_tokens", "bytes_default", "converse_json"]


def bytes_default(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return digest(bytes(value)).hex()
    return type(value).__name__


def converse_json(value: Any) -> str:
    return canonical(value, bytes_default)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _source_bytes(source: Any) -> bytes | None:
    if isinstance(source, Mapping):
        data = source.get("bytes")
        if isinstance(data, bytes | bytearray):
            return bytes(data)
    return None


def block_tokens(kind: str, body: Any, json_length: int) -> int:
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
            _item_tokens(item)
            for item in _list(body.get("content"))
            if item and (type(item) is dict or isinstance(item, Mapping))
        )
    return json_tokens(json_length)


def _item_tokens(item: Mapping[str, Any]) -> int:
    """Tokens of one tool result content item; JSON is walked only for JSON items."""
    kind = next(iter(item))
    body = item[kind]
    if (kind == "text" and isinstance(body, str)) or (
        kind in ("image", "document") and isinstance(body, Mapping)
    ):
        return block_tokens(kind, body, 0)
    return block_tokens(kind, body, structured(item, False, converse_json)[1])
