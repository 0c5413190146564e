"""Parse a Converse / ConverseStream request body into a :class:`~.requests.Prompt`.

Also holds what Converse shares with the Nova InvokeModel body: content blocks
(:func:`content_block`, the same union in both) and the ``cachePoint`` value
(:func:`cache_point_ttl`).

Wire facts used (reference section 1): a marker is a list element of its own,
``{"cachePoint": {"type": "default", "ttl"?: "5m" | "1h"}}``, in ``toolConfig.tools``,
``system`` and ``messages[].content``. Bedrock's placement errors: a marker as the first block
of a message ("nothing available to cache"), right after a ``reasoningContent`` block, or right
after a non-PDF ``document`` block.
Messages-cache invalidators folded into the salt: ``toolConfig.toolChoice``, thinking
parameters in ``additionalModelRequestFields`` (``thinking``, ``reasoning_config``,
``reasoningConfig``), ``outputConfig``, and a digest of every image (any change in the images).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from .errors import NON_PDF_DOCUMENT, NOTHING_TO_CACHE, REASONING_MARKER, SimError, enum_error
from .requests import TTL_SECONDS, Prompt, PromptBuilder, messages_salt
from .tokenizer import binary_tokens, compact_json, count_json, count_text

__all__ = [
    "THINKING_KEYS",
    "as_list",
    "as_map",
    "cache_point_ttl",
    "content_block",
    "image_digest",
    "images_digest",
    "parse_converse",
    "tool_choice",
]

THINKING_KEYS = ("thinking", "reasoning_config", "reasoningConfig")
_BINARY = ("image", "document", "video")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def encoded_size(data: Any) -> int:
    """Decoded size of base64 ``data`` (its own length when it is not base64)."""
    if not isinstance(data, str):
        return len(compact_json(data))
    try:
        return len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return len(data.encode("utf-8"))


def _binary_size(value: Mapping[str, Any]) -> int:
    source = as_map(value.get("source"))
    if "bytes" in source:
        return encoded_size(source["bytes"])
    if isinstance(source.get("text"), str):
        return len(source["text"].encode("utf-8"))
    return len(compact_json(source))


def content_block(element: Mapping[str, Any]) -> tuple[str, int, Any]:
    """``(kind, tokens, identity)`` of one Converse / Nova content block (marker keys removed)."""
    text = element.get("text")
    if isinstance(text, str):
        return "text", count_text(text), ["text", text]
    for kind in _BINARY:
        if kind in element:
            return kind, binary_tokens(kind, _binary_size(as_map(element[kind]))), element
    reasoning = element.get("reasoningContent")
    if isinstance(reasoning, Mapping):
        thought = as_map(reasoning.get("reasoningText")).get("text")
        tokens = count_text(thought) if isinstance(thought, str) else count_json(reasoning)
        return "reasoningContent", tokens, element
    for kind in ("toolUse", "toolResult"):
        if kind in element:
            return kind, count_json(element[kind]), element
    return next(iter(element), "unknown"), count_json(element), element


def images_digest(images: list[Any]) -> str | None:
    """A digest of every image in order (None when there is none): any change in the images,
    anywhere, invalidates the messages cache."""
    if not images:
        return None
    return hashlib.sha256(compact_json(images).encode("utf-8", "surrogatepass")).hexdigest()


def tool_choice(choice: Any) -> Any:
    """A Converse / Nova ``toolChoice`` (``{"auto": {}}``, ``{"tool": {"name": n}}``) in the
    Messages API's shape (``{"type": "auto"}``, ``{"type": "tool", "name": n}``), so both wire
    formats salt the messages cache alike; anything else is kept as sent."""
    if isinstance(choice, Mapping) and len(choice) == 1:
        ((kind, detail),) = choice.items()
        if isinstance(detail, Mapping):
            return {"type": kind, **detail}
    return choice


def image_digest(messages: list[Any]) -> str | None:
    """:func:`images_digest` of the ``image`` blocks of Converse / Nova messages, tool result
    content included."""
    images: list[Any] = []
    for message in messages:
        for raw in as_list(as_map(message).get("content")):
            block = as_map(raw)
            inner = as_list(as_map(block.get("toolResult")).get("content"))
            images.extend(item["image"] for item in (block, *map(as_map, inner)) if "image" in item)
    return images_digest(images)


def cache_point_ttl(value: Any, path: str) -> str:
    """The TTL a ``cachePoint`` value asks for; Bedrock's enum errors otherwise."""
    point = as_map(value)
    if point.get("type") != "default":
        raise enum_error(point.get("type"), f"{path}.cachePoint.type", "default")
    ttl = point.get("ttl", "5m")
    if ttl not in TTL_SECONDS:
        raise enum_error(ttl, f"{path}.cachePoint.ttl", "5m, 1h")
    return str(ttl)


def _add_tools(builder: PromptBuilder, tools: list[Any]) -> None:
    kept = 0
    for i, raw in enumerate(tools):
        tool = as_map(raw)
        if "cachePoint" in tool:
            ttl = cache_point_ttl(tool["cachePoint"], f"toolConfig.tools.{i + 1}.member")
            builder.mark("tools", ttl, f"tools.{kept - 1}", i)
        else:
            builder.add("tools", count_json(tool), ["tool", tool])
            kept += 1


def _add_system(builder: PromptBuilder, system: list[Any]) -> None:
    kept = 0
    for i, raw in enumerate(system):
        item = as_map(raw)
        if "cachePoint" in item:
            ttl = cache_point_ttl(item["cachePoint"], f"system.{i + 1}.member")
            builder.mark("system", ttl, f"system.{kept - 1}", i)
            continue
        if isinstance(item.get("text"), str):
            builder.add("system", count_text(item["text"]), ["text", item["text"]])
        else:
            builder.add("system", count_json(item), item)
        kept += 1


def _check_spot(previous: Mapping[str, Any] | None, message: int, index: int) -> None:
    if previous is None:
        raise SimError(NOTHING_TO_CACHE)
    if "reasoningContent" in previous:
        raise SimError(REASONING_MARKER)
    document = previous.get("document")
    if isinstance(document, Mapping) and document.get("format") != "pdf":
        raise SimError(NON_PDF_DOCUMENT.format(message=message, index=index))


def _add_messages(builder: PromptBuilder, messages: list[Any]) -> None:
    for m, raw_message in enumerate(messages):
        message = as_map(raw_message)
        role = str(message.get("role", ""))
        builder.start_message(m)
        previous: Mapping[str, Any] | None = None
        kept = 0
        for j, raw in enumerate(as_list(message.get("content"))):
            element = as_map(raw)
            if "cachePoint" in element:
                _check_spot(previous, m, j)
                path = f"messages.{m + 1}.member.content.{j + 1}.member"
                ttl = cache_point_ttl(element["cachePoint"], path)
                builder.mark("messages", ttl, f"messages.{m}.content.{kept - 1}", j)
            else:
                _, tokens, identity = content_block(element)
                builder.add("messages", tokens, identity, role)
                kept += 1
            previous = element


def parse_converse(body: Mapping[str, Any]) -> Prompt:
    """The prompt of a Converse / ConverseStream request body (already JSON-decoded)."""
    builder = PromptBuilder()
    tool_config = as_map(body.get("toolConfig"))
    _add_tools(builder, as_list(tool_config.get("tools")))
    _add_system(builder, as_list(body.get("system")))
    messages = as_list(body.get("messages"))
    _add_messages(builder, messages)
    extra = as_map(body.get("additionalModelRequestFields"))
    salt = messages_salt(
        tool_choice(tool_config.get("toolChoice")),
        {key: extra[key] for key in THINKING_KEYS if key in extra},
        body.get("outputConfig"),
        image_digest(messages),
    )
    return builder.build(salt, as_map(body.get("inferenceConfig")).get("maxTokens"))
