"""Observe an InvokeModel response body while the caller reads it, changing nothing.

:class:`ObservedStreamingBody` is a botocore ``StreamingBody`` (so ``isinstance`` keeps
working) whose raw stream is a tee over the original body's raw stream: ``read()``, ``read(n)``,
``readinto``, ``iter_chunks()``, ``iter_lines()``, iteration, ``readlines()`` and ``with
body as f`` (``f`` is the tee, standing where the raw stream would) all pass every byte
through, as read, in order; content-length checks and errors are botocore's own, exactly as
without the hook (``with body as f: f.read()`` does no length check, in either case). A
copy of what passes is kept (bounded by ``MAX_BUFFER``) so the usage can be parsed once the
caller has read it all.

The finish callback runs exactly once, with the bytes seen (None past the bound):

- ``completed=True`` when the body was read to its end (EOF, or its content length);
- ``completed=False`` with the error when reading failed;
- ``completed=False`` when it was closed before its end, or garbage-collected unread
  (a caller who never reads the body still gets a record, when the body is dropped).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from botocore.response import StreamingBody

from ..activation.guard import guarded

__all__ = ["MAX_BUFFER", "ObservedStreamingBody"]

#: bytes kept for parsing usage; a larger body is passed through unobserved
MAX_BUFFER = 8 * 1024 * 1024

#: called once with (bytes seen or None, completed, error)
BodyFinish = Callable[[bytes | None, bool, BaseException | None], None]


class _Tee:
    """The raw stream of an :class:`ObservedStreamingBody`: the original body's own raw
    stream (urllib3's response), copied as it passes.

    ``with body as f`` hands the caller this object, exactly where botocore would hand the
    raw stream: reads through it are the raw stream's (no content-length check), as without
    the hook. While :class:`ObservedStreamingBody` reads through it (``hold``), the end of
    the data is only noted: the body's own content-length check decides the outcome.
    """

    def __init__(self, inner: Any, length: int | None, on_finish: BodyFinish) -> None:
        self._inner = inner
        self._on_finish = on_finish
        self._buffer: bytearray | None = bytearray()
        self._length = length
        self._amount = 0
        self._lock = threading.Lock()
        self.hold = 0
        self.ended = False
        #: [finished], shared with the finalizer, which must not reference the tee itself
        self._flag = [False]
        # Runs when the tee is collected: it lives as long as the body and any ``with`` target.
        self._finalizer = weakref.finalize(self, _abandon, on_finish, self._flag)
        self._finalizer.atexit = False

    def finish(self, completed: bool, error: BaseException | None = None) -> None:
        with self._lock:
            if self._flag[0]:
                return
            self._flag[0] = True
        self._finalizer.detach()
        buffer = self._buffer
        self._buffer = None
        with guarded("body finish"):
            self._on_finish(bytes(buffer) if buffer is not None else None, completed, error)

    def release(self) -> None:
        """After a read through the body: finish if the data ended and nothing failed."""
        if self.ended and not self.hold:
            self.finish(True)

    def holding(self, read: Callable[[Any], Any], argument: Any) -> Any:
        """``read(argument)`` by the body through this tee: the end of the data is only noted
        meanwhile (the body's own content-length check decides), then settled."""
        self.hold += 1
        try:
            result = read(argument)
        except BaseException as exc:
            self.hold -= 1
            self.finish(False, exc)
            raise
        self.hold -= 1
        self.release()
        return result

    def _feed(self, data: bytes | bytearray | memoryview, end: bool) -> None:
        size = len(data)
        self._amount += size
        buffer = self._buffer
        if buffer is not None and size:
            if len(buffer) + size > MAX_BUFFER:
                self._buffer = None
            else:
                buffer += data
        length = self._length
        if end or (length is not None and size and self._amount >= length):
            self.ended = True
            self.release()

    def _failed(self, exc: BaseException) -> None:
        self.finish(False, exc)

    def read(self, amt: int | None = None) -> bytes:
        try:
            chunk: bytes = self._inner.read(amt)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._feed(chunk, amt is None or amt < 0 or (not chunk and amt > 0))
        return chunk

    def readinto(self, b: Any) -> int:
        try:
            count: int = self._inner.readinto(b)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._feed(memoryview(b)[:count], count == 0 and len(b) > 0)
        return count

    def readlines(self, hint: int = -1) -> list[bytes]:
        try:
            lines: list[bytes] = self._inner.readlines(hint)
        except BaseException as exc:
            self._failed(exc)
            raise
        for line in lines:
            self._feed(line, False)
        if hint is None or hint <= 0:
            self._feed(b"", True)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        try:
            for line in self._inner:
                self._feed(line, False)
                yield line
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._failed(exc)
            raise
        self._feed(b"", True)

    def close(self) -> None:
        self.finish(False)
        self._inner.close()

    def __enter__(self) -> _Tee:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # Anything else (tell, closed, readable, urllib3 details) is the raw stream's own.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)


def _abandon(on_finish: BodyFinish, flag: list[bool]) -> None:
    if flag[0]:
        return
    flag[0] = True
    with guarded("body finish"):
        on_finish(None, False, None)


def _content_length(body: Any) -> int | None:
    value = getattr(body, "_content_length", None)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class ObservedStreamingBody(StreamingBody):  # type: ignore[misc]
    """A ``StreamingBody`` over the original body's raw stream, teed.

    Every method is botocore's own (content-length checks and error translation included),
    reading from the tee instead of the raw stream; ``read`` and ``readinto`` only let the
    tee know whether the read ended well.
    """

    def __init__(self, inner: Any, on_finish: BodyFinish) -> None:
        length = getattr(inner, "_content_length", None)
        raw = getattr(inner, "_raw_stream", inner)
        self._bch_tee = _Tee(raw, _content_length(inner), on_finish)
        super().__init__(self._bch_tee, length)
        self._bch_inner = inner

    def read(self, amt: int | None = None) -> bytes:
        chunk: bytes = self._bch_tee.holding(super().read, amt)
        return chunk

    def readinto(self, b: Any) -> int:
        count: int = self._bch_tee.holding(super().readinto, b)
        return count

    def set_socket_timeout(self, timeout: float) -> None:
        self._bch_inner.set_socket_timeout(timeout)

    def __repr__(self) -> str:
        return f"<ObservedStreamingBody of {self._bch_inner!r}>"


def observe_async_body(body: Any, on_finish: BodyFinish) -> None:
    """Observe an asyncio body (aiobotocore's ``AioStreamingBody``) in place.

    The body keeps its own type (its async API is aiobotocore's); only its ``read``,
    ``readinto`` and ``close`` are shadowed on the instance, by versions that pass every byte
    through as read. aiobotocore's iteration, ``iter_chunks``, ``iter_lines``, ``readlines``,
    ``aclose`` and ``async with`` all go through them. The finish callback runs exactly once,
    with the same meaning as for :class:`ObservedStreamingBody`.
    """
    # its bookkeeping only: the bytes are read (and their length checked) by the body itself
    tee = _Tee(body, _content_length(body), on_finish)
    read, readinto, close = body.read, body.readinto, body.close

    async def observed_read(amt: int | None = None) -> bytes:
        try:
            chunk: bytes = await read(amt)
        except BaseException as exc:
            tee.finish(False, exc)
            raise
        tee._feed(chunk, amt is None or amt < 0 or (not chunk and amt > 0))
        return chunk

    async def observed_readinto(b: Any) -> int:
        try:
            count: int = await readinto(b)
        except BaseException as exc:
            tee.finish(False, exc)
            raise
        tee._feed(memoryview(b)[:count], count == 0 and len(b) > 0)
        return count

    def observed_close() -> Any:
        tee.finish(False)
        return close()

    body.read = observed_read
    body.readinto = observed_readinto
    body.close = observed_close
    # The tee (and its finalizer) lives as long as the body: dropped unread, still one record.
    body._bch_tee = tee
