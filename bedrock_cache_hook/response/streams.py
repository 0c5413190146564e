"""Observe a response event stream without changing what the caller gets.

:class:`ObservedEventStream` subclasses botocore's ``EventStream`` (so ``isinstance`` keeps
working) and delegates to the original: every event is handed on unchanged as it arrives,
nothing is buffered, ``close()`` passes through. The finish callback runs exactly once: with
``completed=True`` when the observer says the final event passed; otherwise with
``completed=False`` at exhaustion, early ``break``, error or ``close()``. Async streams
(aiobotocore) are observed through ``__aiter__`` the same way.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from botocore.eventstream import EventStream

from ..activation.guard import guarded, swallowed

__all__ = ["ObservedEventStream"]

#: called with each event; returns True once the event that completes accounting has passed
EventObserver = Callable[[Any], bool]
#: called once with (completed, error)
FinishCallback = Callable[[bool, BaseException | None], None]


class _Finisher:
    """Runs the finish callback once; held apart from the stream so that a finalizer can run
    it without keeping the stream alive."""

    def __init__(self, on_finish: FinishCallback) -> None:
        self._on_finish = on_finish
        self._lock = threading.Lock()
        self._done = False

    def finish(self, completed: bool, error: BaseException | None) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        with guarded("stream finish"):
            self._on_finish(completed, error)


class ObservedEventStream(EventStream):  # type: ignore[misc]
    def __init__(self, inner: Any, on_event: EventObserver, on_finish: FinishCallback) -> None:
        # Deliberately no super().__init__(): all stream state stays in ``inner``.
        self._bch_inner = inner
        self._bch_on_event = on_event
        self._bch_finisher = _Finisher(on_finish)
        # A stream dropped without iterating or closing still gets its one record.
        weakref.finalize(self, self._bch_finisher.finish, False, None)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this wrapper lacks (the inner stream's internals).
        if name.startswith("_bch_"):
            raise AttributeError(name)
        return getattr(self._bch_inner, name)

    def _bch_finish(self, completed: bool, error: BaseException | None = None) -> None:
        self._bch_finisher.finish(completed, error)

    def _bch_observe(self, event: Any) -> bool:
        """Hand ``event`` to the observer; True once the final event passed (then the rest
        of the stream is only handed on). A failure is logged once and the next event is
        observed as usual."""
        try:
            if self._bch_on_event(event):
                self._bch_finish(True)
                return True
        except Exception as exc:  # not a ``guarded`` block per event: this runs per token
            if not swallowed("stream event", exc):
                raise
        return False

    @contextlib.contextmanager
    def _bch_finishing(self) -> Iterator[None]:
        """Around a whole iteration: the record for a stream cut short, broken or left."""
        try:
            yield
        except GeneratorExit:
            self._bch_finish(False)
            raise
        except BaseException as exc:
            self._bch_finish(False, exc)
            raise
        # Exhausted before the observer saw the final event: the stream was cut short.
        self._bch_finish(False)

    def __iter__(self) -> Iterator[Any]:
        with self._bch_finishing():
            observing = True
            for event in self._bch_inner:
                if observing:
                    observing = not self._bch_observe(event)
                yield event

    async def __aiter__(self) -> AsyncIterator[Any]:
        with self._bch_finishing():
            observing = True
            async for event in self._bch_inner:
                if observing:
                    observing = not self._bch_observe(event)
                yield event

    def get_initial_response(self) -> Any:
        return self._bch_inner.get_initial_response()

    def close(self) -> Any:
        self._bch_finish(False)
        return self._bch_inner.close()

    def __repr__(self) -> str:
        return f"<ObservedEventStream of {self._bch_inner!r}>"
