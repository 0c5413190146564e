"""LiteLLM (placeholder until the callback is written)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from .._hooks import Installation

__all__ = ["register"]


def register(installation: Installation) -> Callable[[ModuleType], None]:
    def add(module: ModuleType) -> None:
        return None

    return add
