"""Canonical JSON of a value nested deeper than Python recurses (tool schemas 500 levels
deep): an iterative rendering of the same content, built with an explicit stack."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["deep_canonical"]


class _Text(str):
    """A piece of output already rendered (on :func:`_deep_canonical`'s stack)."""


def deep_canonical(value: Any, default: Callable[[Any], str]) -> str:
    parts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Text):
            parts.append(item)
        elif isinstance(item, Mapping):
            entries = sorted(item.items(), key=lambda entry: str(entry[0]))
            stack.append(_Text("}"))
            for i, (key, child) in reversed(list(enumerate(entries))):
                stack.append(child)
                stack.append(_Text(("," if i else "") + json.dumps(str(key)) + ":"))
            stack.append(_Text("{"))
        elif isinstance(item, list | tuple):
            stack.append(_Text("]"))
            for i, child in reversed(list(enumerate(item))):
                stack.append(child)
                if i:
                    stack.append(_Text(","))
            stack.append(_Text("["))
        elif item is None or isinstance(item, str | int | float | bool):
            parts.append(json.dumps(item))
        else:
            parts.append(json.dumps(default(item)))
    return "".join(parts)
