"""Start-up activation of bedrock-cache-hook, loaded by ``bedrock_cache_hook_boot.pth``.

The ``.pth`` line imports this module only when ``BEDROCK_CACHE_HOOK`` is set, so a process
without the variable pays for one ``os.environ`` lookup and nothing else. When it is set,
this module waits for ``botocore`` to be imported by the program (it never imports botocore
itself: that would cost every Python process ~13 ms) and then runs the package's
activation, which reads the remaining variables and calls ``install()``.

Standard library only, and nothing here may raise: it runs inside ``site`` at start-up.
It lives outside the ``bedrock_cache_hook`` package because importing anything from the
package runs its ``__init__``, which imports botocore.
"""

import _thread
import os
import sys

# Not `from typing import TYPE_CHECKING`, nor `from __future__ import annotations`: those
# imports alone cost ~14 ms at start-up. Type checkers honour this name all the same, and
# the annotations below are strings so that nothing here is evaluated at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

_VARIABLE = "BEDROCK_CACHE_HOOK"
_BOTOCORE = "botocore"
_PACKAGE = "bedrock_cache_hook"


def _importing(name: str) -> bool:
    """Is ``name`` in the middle of its own import (its module code still running)?"""
    spec = getattr(sys.modules.get(name), "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


class _AfterExec:
    """Wraps a module's loader to call back right after the module's code has run."""

    def __init__(self, inner: "Loader", finder: "_ActivateAfterBotocore") -> None:
        self._inner = inner
        self._finder = finder

    def __getattr__(self, name: str) -> "Any":
        # get_data, get_filename, get_resource_reader...: whatever the real loader offers.
        if name.startswith("_"):  # never recurse on a half-built wrapper
            raise AttributeError(name)
        return getattr(self._inner, name)

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        return self._inner.create_module(spec)

    def exec_module(self, module: "ModuleType") -> None:
        self._inner.exec_module(module)
        # Put the real loader back so nothing downstream ever sees this wrapper.
        module.__loader__ = self._inner
        if module.__spec__ is not None:
            module.__spec__.loader = self._inner
        self._finder.loaded(module.__name__)


class _ActivateAfterBotocore:
    """Watches the imports of botocore and of our package; activates once, then leaves.

    Activation waits while our own package is half-imported (a program that imports
    ``bedrock_cache_hook`` first triggers the botocore import from inside it): it then
    runs when the package import finishes.
    """

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._done = False

    def find_spec(
        self,
        fullname: str,
        path: "Sequence[str] | None" = None,
        target: "ModuleType | None" = None,
    ) -> "ModuleSpec | None":
        if fullname not in (_BOTOCORE, _PACKAGE) or self._done:
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _AfterExec(spec.loader, self)  # type: ignore[assignment]
            return spec
        return None

    def loaded(self, name: str) -> None:
        botocore_ready = name == _BOTOCORE or (
            _BOTOCORE in sys.modules and not _importing(_BOTOCORE)
        )
        if not botocore_ready or (name != _PACKAGE and _importing(_PACKAGE)):
            return
        with self._lock:
            if self._done:
                return
            self._done = True
        disarm(self)
        _activate()


def _activate() -> None:
    try:
        from bedrock_cache_hook.activation.startup import activate_from_env  # noqa: PLC0415

        activate_from_env()
    except Exception as exc:  # a broken install must not break the program
        import logging  # noqa: PLC0415

        logging.getLogger(_PACKAGE).error(
            "bedrock_cache_hook: not activated: cannot load the package (%s: %s)",
            type(exc).__name__,
            exc,
        )


def disarm(finder: object) -> None:
    try:  # noqa: SIM105 - contextlib is not worth importing at start-up
        sys.meta_path.remove(finder)  # type: ignore[arg-type]
    except ValueError:
        pass


def arm() -> None:
    """Activate now if botocore is already loaded, else when it is first imported."""
    if os.environ.get(_VARIABLE, "").strip().lower() in ("", "off"):
        return
    if _BOTOCORE in sys.modules and not _importing(_BOTOCORE):
        _activate()
        return
    if not any(isinstance(f, _ActivateAfterBotocore) for f in sys.meta_path):
        sys.meta_path.insert(0, _ActivateAfterBotocore())


try:  # noqa: SIM105 - never fail interpreter start-up
    arm()
except Exception:
    pass
