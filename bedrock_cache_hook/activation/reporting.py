"""Recording one call exactly once, whatever the hook managed to read of it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from ..operations import Operation
from ..request.findings import finding
from ..request.processor import RequestOutcome
from ..response.usage import NO_USAGE, Usage
from .state import CallState

__all__ = ["Recorder", "Reporter", "request_id_of", "unread_outcome"]


class Recorder(Protocol):
    """What writes a call's record (the installation)."""

    def _record(
        self,
        state: CallState,
        *,
        usage: Usage,
        completed: bool,
        error_code: str | None,
        server_latency_ms: int | None,
        request_id: str | None,
    ) -> None: ...


class Reporter:
    """Records one call, once: the usage the response reader found, or (``unread``) none,
    with a finding saying the hook could not read the response."""

    def __init__(self, installation: Recorder, state: CallState, request_id: str | None):
        self._installation = installation
        self._state = state
        self.request_id = request_id
        self._lock = threading.Lock()
        self._done = False

    def _claim(self) -> bool:
        with self._lock:
            if self._done:
                return False
            self._done = True
            return True

    def __call__(
        self, usage: Usage, completed: bool, error_code: str | None, latency: int | None
    ) -> None:
        if self._claim():
            self._installation._record(
                self._state,
                usage=usage,
                completed=completed,
                error_code=error_code,
                server_latency_ms=latency,
                request_id=self.request_id,
            )

    def unread(self, completed: bool, error_code: str | None) -> None:
        if not self._claim():
            return
        self._state.outcome.findings.append(
            finding(
                "response-unread",
                "the hook could not read this response (an internal error, logged once); "
                "the caller got it unchanged",
            )
        )
        self._installation._record(
            self._state,
            usage=NO_USAGE,
            completed=completed,
            error_code=error_code,
            server_latency_ms=None,
            request_id=self.request_id,
        )


def unread_outcome(operation: Operation, params: Mapping[str, Any]) -> RequestOutcome:
    """The outcome of a request the hook failed to read: sent untouched, counted if possible."""
    try:
        markers = operation.count_markers(params)
    except Exception:  # the reader that just failed may fail again: count nothing then
        markers = 0
    return RequestOutcome(
        markers=markers,
        findings=[
            finding(
                "request-unread",
                "the hook could not read this request (an internal error, logged once); it "
                "was sent exactly as the caller made it",
            )
        ],
    )


def request_id_of(parsed: Mapping[str, Any]) -> str | None:
    metadata = parsed.get("ResponseMetadata")
    value = metadata.get("RequestId") if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and value else None
