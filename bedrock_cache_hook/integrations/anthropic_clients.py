"""Which objects are the Anthropic SDK's Bedrock clients, and how our middleware gets onto
them: an existing client (``install(client)``) or every one created later (``install()``)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..activation.hooks import Installation
from .anthropic_sdk import AsyncHook, SyncHook, hook_for

__all__ = ["attach_client", "detach_client", "is_client", "patch_classes"]

Hook = (SyncHook, AsyncHook)

_CLASSES = {
    "AnthropicBedrock": ("bedrock", False),
    "AsyncAnthropicBedrock": ("bedrock", True),
    "AnthropicBedrockMantle": ("mantle", False),
    "AsyncAnthropicBedrockMantle": ("mantle", True),
}


def _kind(client: Any) -> tuple[str, bool] | None:
    module = sys.modules.get("anthropic")
    if module is None:
        return None
    for name, kind in _CLASSES.items():
        cls = getattr(module, name, None)
        if isinstance(cls, type) and isinstance(client, cls):
            return kind
    return None


def is_client(target: Any) -> bool:
    """Is ``target`` one of the Anthropic SDK's Bedrock clients?"""
    return _kind(target) is not None


def attach_client(client: Any, installation: Installation) -> None:
    """Give an existing client our middleware for ``installation`` (replacing ours)."""
    kind = _kind(client)
    if kind is None:
        raise TypeError(f"not an Anthropic SDK Bedrock client: {type(client).__name__}")
    hook = hook_for(installation, *kind)
    hook.max_retries = int(getattr(client, "max_retries", 2))
    others = tuple(m for m in client._middleware if not isinstance(m, Hook))
    client._middleware = (*others, hook)
    client._middleware_chain = client._build_middleware_chain()


def detach_client(client: Any) -> None:
    """Remove our middleware from ``client`` (``install(client, mode="off")``)."""
    client._middleware = tuple(m for m in client._middleware if not isinstance(m, Hook))
    client._middleware_chain = client._build_middleware_chain()


def _patched_init(original: Any, installation: Installation, kind: tuple[str, bool]) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        given = kwargs.get("middleware")
        if not any(isinstance(m, Hook) for m in given or ()):
            kwargs["middleware"] = (*(given or ()), hook_for(installation, *kind))
        original(self, *args, **kwargs)
        for entry in self._middleware:
            if isinstance(entry, Hook):
                entry.max_retries = int(getattr(self, "max_retries", 2))

    __init__.__bedrock_cache_hook__ = True  # type: ignore[attr-defined]
    return __init__


def patch_classes(installation: Installation) -> Callable[[ModuleType], None]:
    """A callback for :func:`._imports.when_imported` on ``anthropic``: clients created from
    then on carry our middleware for ``installation`` (the process-wide one)."""

    def patch(module: ModuleType) -> None:
        for name, kind in _CLASSES.items():
            cls = getattr(module, name, None)
            if not isinstance(cls, type):
                continue  # an SDK version without this client
            init = cls.__dict__.get("__init__")
            if init is None or getattr(init, "__bedrock_cache_hook__", False):
                continue
            setattr(cls, "__init__", _patched_init(init, installation, kind))  # noqa: B010

    return patch
