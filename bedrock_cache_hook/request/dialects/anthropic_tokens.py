"""Token estimates of Anthropic Messages content blocks, by kind (text, thinking, image,
document, tool result; anything else by its compact JSON length)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..shape import structured
from ..tokens import document_tokens, image_tokens, json_tokens, text_tokens
from .body import canonical, decode_base64

__all__ = ["block_tokens"]

#: base64 characters decoded to read an image's size from its header
_IMAGE_HEAD = 8192


def block_tokens(kind: str, block: Mapping[str, Any], json_length: int) -> int:
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
                    total += block_tokens(kind, item, structured(item, False, canonical)[1])
            return total
    return json_tokens(json_length)
