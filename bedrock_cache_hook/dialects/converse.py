"""The Converse / ConverseStream wire format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MARKER_KEY = "cachePoint"


def _is_marker(block: Any) -> bool:
    return isinstance(block, Mapping) and MARKER_KEY in block


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def count_markers(params: Mapping[str, Any]) -> int:
    """Cache markers in tools, system and every message's content."""
    tool_config = params.get("toolConfig")
    tools = _list(tool_config.get("tools")) if isinstance(tool_config, Mapping) else []
    count = sum(map(_is_marker, tools)) + sum(map(_is_marker, _list(params.get("system"))))
    for message in _list(params.get("messages")):
        if isinstance(message, Mapping):
            count += sum(map(_is_marker, _list(message.get("content"))))
    return count
