"""A memo of values by key, bounded by the characters its keys hold: when full it starts over.

For results computed from text that comes back call after call, often as new string objects
(a system prompt, a tool schema parsed from a body): a dict lookup hashes and compares at C
speed where recomputing walks the text in Python."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["SizedMemo"]

_Key = TypeVar("_Key", bound=Hashable)
_Value = TypeVar("_Value")


class SizedMemo(Generic[_Key, _Value]):
    def __init__(self, budget: int) -> None:
        self.budget = budget  # characters kept; then it starts over
        self.items: dict[_Key, _Value] = {}
        self.size = 0  # approximate under threads: only bounds the memory

    def put(self, key: _Key, value: _Value, size: int) -> None:
        """Remember ``value`` for ``key``, which holds ``size`` characters."""
        if self.size + size > self.budget:
            self.items.clear()
            self.size = 0
        self.items[key] = value
        self.size += size
