"""Run a callback when a module finishes importing, without importing it ourselves.

The process-wide ``install()`` must cover Anthropic SDK clients and LiteLLM calls made later,
but importing either package costs hundreds of milliseconds, and neither is ours to import. So:
if the module is already imported the callback runs now; otherwise a finder on
``sys.meta_path`` wraps that one module's loader and runs the callback right after the
module's code has run (the same technique as the ``.pth`` start-up hook uses for botocore).
A module that is never imported costs one string comparison per import.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from ..activation.guard import guarded

__all__ = ["when_imported"]

_lock = threading.Lock()
_waiting: dict[str, list[Callable[[ModuleType], None]]] = {}


def _initializing(module: ModuleType | None) -> bool:
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


class _AfterExec(Loader):
    def __init__(self, inner: Loader) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        module.__loader__ = self._inner
        if module.__spec__ is not None:
            module.__spec__.loader = self._inner
        _fire(module)


class _Finder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in _waiting:
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _AfterExec(spec.loader)
            return spec
        return None


_finder = _Finder()


def _fire(module: ModuleType) -> None:
    with _lock:
        callbacks = _waiting.pop(module.__name__, [])
        if not _waiting and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
    for callback in callbacks:
        with guarded("integration import hook"):
            callback(module)


def when_imported(name: str, callback: Callable[[ModuleType], None]) -> None:
    """``callback(module)`` now if ``name`` is imported, else once right after its import."""
    module = sys.modules.get(name)
    if module is not None and not _initializing(module):
        callback(module)
        return
    with _lock:
        _waiting.setdefault(name, []).append(callback)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
