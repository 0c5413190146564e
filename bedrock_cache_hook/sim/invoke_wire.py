"""Parse an InvokeModel body into a :class:`~.requests.Prompt`: Anthropic, Nova or prompt.

The body format follows the model (:attr:`SimModel.dialect`); a model with no known format
accepts an Anthropic body when it carries ``anthropic_version`` and otherwise a plain
``{"prompt": ...}`` body (Llama / Mistral style, one user block, no markers possible).

Anthropic Messages (reference section 2): ``cache_control: {"type": "ephemeral", "ttl"?}``
inside ``tools[i]``, ``system[i]`` and ``messages[].content[i]``; a string ``system`` or string
``content`` is one block that cannot carry a marker. Rejected: a top-level ``cache_control``, a
marker on a ``thinking`` / ``redacted_thinking`` block, a marker on an empty text block.
Invalidators in the salt: ``tool_choice``, ``thinking``, a digest of every image.

Nova: ``"cachePoint": {"type": "default"}`` as an extra key inside a ``system`` / ``content``
text object (a ``cachePoint`` list element of its own, as in Converse, is accepted too);
markers in ``toolConfig.tools`` are rejected by :func:`~.requests.check_markers`.
Invalidators: ``toolConfig.toolChoice``, a digest of every image.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .converse_wire import (
    as_list,
    as_map,
    cache_point_ttl,
    content_block,
    encoded_size,
    image_digest,
    images_digest,
    tool_choice,
)
from .errors import (
    BAD_CACHE_TTL,
    BAD_CACHE_TYPE,
    EMPTY_TEXT_MARKER,
    EXTRA_INPUTS,
    MALFORMED_BODY,
    NOTHING_TO_CACHE,
    SimError,
)
from .models import SimModel
from .requests import TTL_SECONDS, Prompt, PromptBuilder, messages_salt
from .tokenizer import binary_tokens, count_json, count_text

__all__ = ["decode_body", "parse_invoke", "parse_messages"]

_THINKING = ("thinking", "redacted_thinking")


def decode_body(raw: bytes) -> Mapping[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SimError(MALFORMED_BODY.format(detail="expected a JSON object")) from None
    if not isinstance(body, Mapping):
        raise SimError(MALFORMED_BODY.format(detail="expected a JSON object"))
    return body


def _cache_control(value: Any, path: str) -> str:
    control = as_map(value)
    if control.get("type") != "ephemeral":
        raise SimError(BAD_CACHE_TYPE.format(path=path), from_model=True)
    ttl = control.get("ttl", "5m")
    if ttl not in TTL_SECONDS:
        raise SimError(BAD_CACHE_TTL.format(path=path), from_model=True)
    return str(ttl)


def _anthropic_block(block: Mapping[str, Any]) -> tuple[int, Any]:
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        return count_text(block["text"]), ["text", block["text"]]
    if kind in ("image", "document"):
        source = as_map(block.get("source"))
        size = encoded_size(source["data"]) if "data" in source else len(json.dumps(source))
        return binary_tokens(str(kind), size), block
    if kind == "thinking" and isinstance(block.get("thinking"), str):
        return count_text(block["thinking"]), block
    if kind == "tool_result":
        return count_json(block.get("content", "")), block
    if kind == "tool_use":
        return count_json({"name": block.get("name"), "input": block.get("input")}), block
    return count_json(block), block


def _anthropic_list(
    builder: PromptBuilder, section: str, blocks: list[Any], path: str, role: str = ""
) -> None:
    for i, raw in enumerate(blocks):
        block = {k: v for k, v in as_map(raw).items() if k != "cache_control"}
        tokens, identity = _anthropic_block(block)
        builder.add(section, tokens, identity, role)
        if "cache_control" not in as_map(raw):
            continue
        where = f"{path}.{i}"
        if block.get("type") in _THINKING:
            raise SimError(
                EXTRA_INPUTS.format(path=f"{where}.{block['type']}.cache_control"), from_model=True
            )
        if block.get("type") == "text" and block.get("text") == "":
            raise SimError(EMPTY_TEXT_MARKER.format(path=where), from_model=True)
        ttl = _cache_control(as_map(raw)["cache_control"], f"{where}.cache_control")
        builder.mark(section, ttl, where, i)


def _anthropic_images(messages: list[Any]) -> str | None:
    """:func:`images_digest` of the image blocks (tool result content included)."""
    images: list[Any] = []
    for message in messages:
        for block in as_list(as_map(message).get("content")):
            inner = as_list(as_map(block).get("content"))
            for item in (as_map(block), *(as_map(item) for item in inner)):
                if item.get("type") == "image":
                    images.append(item.get("source"))
    return images_digest(images)


def _parse_anthropic(body: Mapping[str, Any]) -> Prompt:
    if "cache_control" in body:
        raise SimError(EXTRA_INPUTS.format(path="cache_control"), from_model=True)
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise SimError(MALFORMED_BODY.format(detail="#: required key [messages] not found"))
    builder = PromptBuilder()
    tools = [
        {k: v for k, v in as_map(tool).items() if k != "cache_control"}
        for tool in as_list(body.get("tools"))
    ]
    for i, (tool, raw) in enumerate(zip(tools, as_list(body.get("tools")), strict=True)):
        builder.add("tools", count_json(tool), ["tool", tool])
        if "cache_control" in as_map(raw):
            ttl = _cache_control(raw["cache_control"], f"tools.{i}.cache_control")
            builder.mark("tools", ttl, f"tools.{i}", i)
    system = body.get("system")
    if isinstance(system, str):
        builder.add("system", count_text(system), ["text", system])
    else:
        _anthropic_list(builder, "system", as_list(system), "system")
    for m, raw_message in enumerate(messages):
        message = as_map(raw_message)
        role = str(message.get("role", ""))
        builder.start_message(m)
        content = message.get("content")
        if isinstance(content, str):
            builder.add("messages", count_text(content), ["text", content], role)
        else:
            _anthropic_list(builder, "messages", as_list(content), f"messages.{m}.content", role)
    thinking = {"thinking": body["thinking"]} if "thinking" in body else None
    salt = messages_salt(body.get("tool_choice"), thinking, None, _anthropic_images(messages))
    return builder.build(salt, body.get("max_tokens"))


def _nova_list(
    builder: PromptBuilder, section: str, items: list[Any], path: str, role: str = ""
) -> None:
    opened = False
    for i, raw in enumerate(items):
        item = as_map(raw)
        rest = {k: v for k, v in item.items() if k != "cachePoint"}
        if rest:
            _, tokens, identity = content_block(rest)
            if section == "tools":
                tokens, identity = count_json(rest), ["tool", rest]
            builder.add(section, tokens, identity, role)
            opened = True
        if "cachePoint" in item:
            if section == "messages" and not opened:
                raise SimError(NOTHING_TO_CACHE)
            builder.mark(
                section, cache_point_ttl(item["cachePoint"], f"{path}.{i}"), f"{path}.{i}", i
            )


def _parse_nova(body: Mapping[str, Any]) -> Prompt:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise SimError(MALFORMED_BODY.format(detail="#: required key [messages] not found"))
    builder = PromptBuilder()
    tool_config = as_map(body.get("toolConfig"))
    _nova_list(builder, "tools", as_list(tool_config.get("tools")), "toolConfig.tools")
    _nova_list(builder, "system", as_list(body.get("system")), "system")
    for m, raw_message in enumerate(messages):
        message = as_map(raw_message)
        builder.start_message(m)
        content = as_list(message.get("content"))
        role = str(message.get("role", ""))
        _nova_list(builder, "messages", content, f"messages.{m}.content", role)
    salt = messages_salt(tool_choice(tool_config.get("toolChoice")), images=image_digest(messages))
    config = as_map(body.get("inferenceConfig"))
    return builder.build(salt, config.get("max_new_tokens", config.get("maxTokens")))


def _parse_prompt(body: Mapping[str, Any]) -> Prompt:
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        raise SimError(MALFORMED_BODY.format(detail="#: required key [prompt] not found"))
    builder = PromptBuilder()
    builder.start_message(0)
    builder.add("messages", count_text(prompt), ["text", prompt], "user")
    limit = body.get("max_gen_len", body.get("max_tokens"))
    return builder.build(None, limit)


def parse_invoke(body: Mapping[str, Any], spec: SimModel) -> tuple[str, Prompt]:
    """``(dialect, prompt)`` of an InvokeModel body for a model of ``spec``."""
    dialect = spec.dialect
    if dialect == "other":
        dialect = "anthropic" if "anthropic_version" in body else "other"
    if dialect == "anthropic":
        return "anthropic", _parse_anthropic(body)
    if dialect == "nova":
        return "nova", _parse_nova(body)
    return "prompt", _parse_prompt(body)


#: Messages API members that are not part of the prompt
_ROUTING = ("model", "stream")


def parse_messages(body: Mapping[str, Any], spec: SimModel) -> Prompt:
    """A Messages API body (``/anthropic/v1/messages``): the Anthropic format plus ``model``
    and ``stream``; only models whose InvokeModel body is Anthropic's accept it."""
    if spec.dialect not in ("anthropic", "other"):
        raise SimError(MALFORMED_BODY.format(detail="this model does not support the Messages API"))
    return _parse_anthropic({k: v for k, v in body.items() if k not in _ROUTING})
