"""LiteLLM's OpenAI-shaped messages read into an Anthropic Messages body (to plan), and the
planned marks written back onto a copy of the messages, each on the block it came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Source", "to_messages_body", "write_back"]

_SYSTEM_ROLES = ("system", "developer")

#: where a block of the Messages body came from: (message index, content index or None for a
#: string content), or None for a block that carries no mark of its own (a tool call)
Source = tuple[int, int | None] | None


def _blocks(message: Mapping[str, Any], index: int) -> list[tuple[dict[str, Any], Source]]:
    content = message.get("content")
    out: list[tuple[dict[str, Any], Source]] = []
    if message.get("role") == "tool":
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": str(message.get("tool_call_id") or ""),
            "content": content if isinstance(content, str) else "",
        }
        if isinstance(message.get("cache_control"), Mapping):
            block["cache_control"] = dict(message["cache_control"])
        return [(block, (index, None))]
    if isinstance(content, str):
        block = {"type": "text", "text": content}
        if isinstance(message.get("cache_control"), Mapping):
            block["cache_control"] = dict(message["cache_control"])
        out.append((block, (index, None)))
    elif isinstance(content, list):
        for position, part in enumerate(content):
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                block = {"type": "text", "text": part["text"]}
            else:  # an image or file: its bytes are not ours to read; a placeholder block
                block = {"type": "text", "text": f"<{part.get('type')}>"}
            if isinstance(part.get("cache_control"), Mapping):
                block["cache_control"] = dict(part["cache_control"])
            out.append((block, (index, position)))
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            arguments = function.get("arguments")
            use = {
                "type": "tool_use",
                "id": str(call.get("id") or ""),
                "name": str(function.get("name") or ""),
                "input": {"arguments": arguments if isinstance(arguments, str) else ""},
            }
            out.append((use, None))
    return out


def to_messages_body(
    messages: list[Any], tools: Any = None
) -> tuple[dict[str, Any], list[list[Source]], list[Source]]:
    """LiteLLM's (OpenAI-shaped) chat messages as an Anthropic Messages body, with where each
    block came from: ``(body, sources of each message's blocks, sources of the system)``."""
    system: list[dict[str, Any]] = []
    system_sources: list[Source] = []
    turns: list[dict[str, Any]] = []
    sources: list[list[Source]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        role = message.get("role")
        pieces = _blocks(message, index)
        if role in _SYSTEM_ROLES:
            for block, source in pieces:
                system.append(block)
                system_sources.append(source)
            continue
        role = "assistant" if role == "assistant" else "user"
        if not pieces:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(block for block, _ in pieces)
            sources[-1].extend(source for _, source in pieces)
        else:
            turns.append({"role": role, "content": [block for block, _ in pieces]})
            sources.append([source for _, source in pieces])
    body: dict[str, Any] = {"max_tokens": 1, "messages": turns}
    if system:
        body["system"] = system
    if isinstance(tools, list):
        read = []
        for tool in tools:
            function = tool.get("function") if isinstance(tool, Mapping) else None
            if isinstance(function, Mapping):
                read.append(
                    {
                        "name": str(function.get("name") or ""),
                        "description": str(function.get("description") or ""),
                        "input_schema": function.get("parameters") or {"type": "object"},
                    }
                )
        if read:
            body["tools"] = read
    return body, sources, system_sources


def write_back(
    messages: list[Any],
    planned: Mapping[str, Any],
    sources: list[list[Source]],
    system: list[Source],
) -> list[Any]:
    """``messages`` (copied where changed) carrying the planned body's marks."""
    marks: dict[tuple[int, int | None], Any] = {}
    pairs: list[tuple[Any, Source]] = list(zip(planned.get("system") or (), system, strict=False))
    for turn, turn_sources in zip(planned.get("messages") or (), sources, strict=False):
        pairs.extend(zip(turn.get("content") or (), turn_sources, strict=False))
    for block, source in pairs:
        if source is not None and isinstance(block, Mapping):
            marks[source] = block.get("cache_control")
    out = list(messages)
    for (index, position), mark in marks.items():
        message = out[index]
        if position is None:
            current = message.get("cache_control")
            content = message.get("content")
            if current == mark:
                continue
            if mark is None:
                out[index] = {k: v for k, v in message.items() if k != "cache_control"}
            elif isinstance(content, str) and message.get("role") != "tool":
                part = {"type": "text", "text": content, "cache_control": dict(mark)}
                copy = {k: v for k, v in message.items() if k != "cache_control"}
                out[index] = {**copy, "content": [part]}
            else:
                out[index] = {**message, "cache_control": dict(mark)}
            continue
        parts = list(message.get("content") or ())
        part = parts[position]
        if part.get("cache_control") == mark:
            continue
        parts[position] = (
            {k: v for k, v in part.items() if k != "cache_control"}
            if mark is None
            else {**part, "cache_control": dict(mark)}
        )
        out[index] = {**message, "content": parts}
    return out
