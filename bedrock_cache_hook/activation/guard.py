"""Fail-open guard: a bug in the hook must never break the caller's Bedrock call.

In production every hook body runs inside :func:`guarded`; an exception is logged once per
kind and swallowed. The test suite flips :func:`set_reraise` so our own bugs fail our tests.
The log line carries the exception type and the traceback frames, never the exception
message, because a message can quote request data (prompt text).
"""

from __future__ import annotations

import logging
import threading
import traceback
from types import TracebackType

from ..errors import CacheAuditError

logger = logging.getLogger("bedrock_cache_hook")


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reported: set[tuple[str, str]] = set()
        self.reraise = False
        self.count = 0


_state = _State()


def set_reraise(enabled: bool) -> bool:
    """Make :func:`guarded` re-raise instead of swallowing; returns the previous value."""
    previous, _state.reraise = _state.reraise, enabled
    return previous


def reset_reports() -> None:
    """Forget which kinds were logged and the count (test isolation)."""
    with _state.lock:
        _state.reported.clear()
        _state.count = 0


def internal_error_count() -> int:
    """How many internal errors the guard has swallowed in this process."""
    return _state.count


def text_free_traceback(exc: BaseException) -> str:
    """File, line and function of each frame: no source lines and no exception message,
    because either can quote request data."""
    return "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    )


class guarded:  # lower case: used as ``with guarded("where"):``, like a function
    """Run a hook body; on an internal error log it (once per kind) and carry on.

    A class, not ``@contextmanager``: several run per call, and a generator-based context
    manager costs a few microseconds each."""

    __slots__ = ("where",)

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return exc is not None and swallowed(self.where, exc)


def swallowed(where: str, exc: BaseException) -> bool:
    """What :class:`guarded` does with an exception raised in ``where``, for a loop that
    catches it itself (a stream's per-event observer): True when it was logged (once per
    kind) and should be swallowed, False when it must propagate."""
    if not isinstance(exc, Exception) or isinstance(exc, CacheAuditError):
        return False  # strict mode exists to fail loudly
    if _state.reraise:
        return False
    report = (where, type(exc).__qualname__)
    with _state.lock:
        _state.count += 1
        first = report not in _state.reported
        _state.reported.add(report)
    if first:
        frames = text_free_traceback(exc)
        logger.error(
            "internal error in %s (%s); the Bedrock call proceeds as if the hook were not "
            "installed. Please report this. Traceback (message omitted: it may quote "
            "request data):\n%s",
            where,
            type(exc).__qualname__,
            frames,
        )
    return True
