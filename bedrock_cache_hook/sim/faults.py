"""Fault injection: a queue of faults the next requests run into.

Faults are taken in order, each by the first request it applies to:

* ``throttle`` (429 ``ThrottlingException``), ``server_error`` (500
  ``InternalServerException``) and ``unavailable`` (503 ``ServiceUnavailableException``) apply
  to any request; the request is refused before the service looks at it, so the cache is left
  untouched.
* ``stream_cut`` and ``stream_error`` apply to the next *streaming* request (other requests pass
  them by). The service processes the request (the cache is read and written as usual), then
  the stream breaks after the first half of the text deltas: ``stream_cut`` ends the body in the
  middle of a frame, as a dropped connection does; ``stream_error`` sends an
  ``internalServerException`` event-stream exception frame instead of the rest.
"""

from __future__ import annotations

import threading
from typing import Literal

from .errors import SERVER_ERROR, THROTTLED, UNAVAILABLE, SimError

__all__ = ["ERROR_FAULTS", "STREAM_FAULTS", "FaultKind", "FaultQueue"]

FaultKind = Literal["throttle", "server_error", "unavailable", "stream_cut", "stream_error"]
ERROR_FAULTS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "ThrottlingException", THROTTLED),
    "server_error": (500, "InternalServerException", SERVER_ERROR),
    "unavailable": (503, "ServiceUnavailableException", UNAVAILABLE),
}
STREAM_FAULTS = ("stream_cut", "stream_error")


class FaultQueue:
    """Thread-safe queue of pending faults."""

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._lock = threading.Lock()

    def add(self, kind: FaultKind, times: int = 1) -> None:
        if kind not in ERROR_FAULTS and kind not in STREAM_FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._pending.extend([kind] * times)

    def take(self, streaming: bool) -> str | None:
        """The first pending fault that applies to a (streaming or not) request, removed."""
        with self._lock:
            for i, kind in enumerate(self._pending):
                if kind in ERROR_FAULTS or streaming:
                    return self._pending.pop(i)
        return None


def fault_error(kind: str) -> SimError:
    status, code, message = ERROR_FAULTS[kind]
    return SimError(message, code, status)
