"""Per-operation knowledge: what to read from a request and where usage lives in a response.

A small registry in the style of OpenTelemetry's botocore extensions: one adapter per
bedrock-runtime operation we understand; every other operation is not hooked at all.

InvokeModel usage, in order of precedence:

1. the ``X-Amzn-Bedrock-*-Token-Count`` response headers, when they carry the input count
   and a cache count: recorded at once, the body is not touched (``source="headers"``);
2. otherwise the body's ``usage`` (Anthropic or Nova shape): the body is teed
   (:class:`~.bodies.ObservedStreamingBody`) and parsed once the caller has read it all
   (``source="body"``). This is the path under a Stubber (no headers) and for responses
   whose headers omit the cache counts, so a missing header never zeroes them;
3. the headers' counts without cache fields, if the body gives none;
4. nothing (``source="none"``): the body was closed, failed or was dropped unread
   (``completed=False``).

aiobotocore's asyncio body is observed in place (:func:`~.bodies.observe_async_body`) with the
same precedence and the same record-once semantics, through its awaited reads.

InvokeModelWithResponseStream: the body's event stream is observed like ConverseStream's;
see :class:`~.usage.InvokeStreamUsage` for why the model's usage events come before
``amazon-bedrock-invocationMetrics``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.eventstream import EventStream
from botocore.response import StreamingBody

from .request.dialects import converse, invoke
from .response import headers as header_parsers
from .response import usage as usage_parsers
from .response.bodies import ObservedStreamingBody, observe_async_body
from .response.streams import ObservedEventStream
from .response.usage import NO_USAGE, Usage


class Report(Protocol):
    """Records the call once: ``report(usage, completed, error_code, server_latency_ms)``,
    or ``report.unread(completed, error_code)`` when reading the response failed."""

    def __call__(
        self, usage: Usage, completed: bool, error_code: str | None, latency: int | None, /
    ) -> None: ...

    def unread(self, completed: bool, error_code: str | None) -> None: ...


def _latency(container: Any) -> int | None:
    metrics = container.get("metrics") if isinstance(container, Mapping) else None
    value = metrics.get("latencyMs") if isinstance(metrics, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_code(error: BaseException | None) -> str | None:
    if error is None:
        return None
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            return code
    return type(error).__name__


@dataclass(frozen=True)
class Operation:
    name: str
    count_markers: Callable[[Mapping[str, Any]], int]
    read_response: Callable[[Any, dict[str, Any], Report], None]


def _unread_on_failure(
    on_finish: Callable[[bool, BaseException | None], None], report: Report
) -> Callable[[bool, BaseException | None], None]:
    """A stream's finish callback that still records the call when reading usage failed."""

    def finish(completed: bool, error: BaseException | None) -> None:
        try:
            on_finish(completed, error)
        except BaseException:
            report.unread(completed, _error_code(error))
            raise

    return finish


def _converse_response(http_response: Any, parsed: dict[str, Any], report: Report) -> None:
    report(usage_parsers.from_converse(parsed.get("usage")), True, None, _latency(parsed))


def _converse_stream_response(http_response: Any, parsed: dict[str, Any], report: Report) -> None:
    stream = parsed.get("stream")
    if isinstance(stream, Mapping):
        # A Stubber's dict-shaped stream: left alone, read for metadata if it has any.
        metadata = stream.get("metadata")
        source = "stream-metadata" if isinstance(metadata, Mapping) else "none"
        meta = metadata if isinstance(metadata, Mapping) else {}
        report(usage_parsers.from_converse(meta.get("usage"), source), True, None, _latency(meta))
        return
    if not isinstance(stream, EventStream) or isinstance(stream, ObservedEventStream):
        report(NO_USAGE, True, None, None)
        return
    seen: dict[str, Any] = {"usage": NO_USAGE, "latency": None}

    def on_event(event: Any) -> bool:
        mapping = type(event) is dict or isinstance(event, Mapping)  # exact type first: per token
        metadata = event.get("metadata") if mapping else None
        if not isinstance(metadata, Mapping):
            return False
        seen["usage"] = usage_parsers.from_converse(metadata.get("usage"), "stream-metadata")
        seen["latency"] = _latency(metadata)
        return True

    def on_finish(completed: bool, error: BaseException | None) -> None:
        report(seen["usage"], completed, _error_code(error), seen["latency"])

    stream_finish = _unread_on_failure(on_finish, report)

    parsed["stream"] = ObservedEventStream(stream, on_event, stream_finish)


def _sync_body(body: Any) -> bool:
    """A botocore ``StreamingBody`` we can tee (not aiobotocore's async one, not ours)."""
    return (
        isinstance(body, StreamingBody)
        and not isinstance(body, ObservedStreamingBody)
        and not inspect.iscoroutinefunction(getattr(body, "read", None))
    )


def _async_body(body: Any) -> bool:
    """aiobotocore's asyncio body, not yet observed."""
    return (
        isinstance(body, StreamingBody)
        and inspect.iscoroutinefunction(getattr(body, "read", None))
        and getattr(body, "_bch_tee", None) is None
    )


def _invoke_response(http_response: Any, parsed: dict[str, Any], report: Report) -> None:
    headers = getattr(http_response, "headers", None)
    latency = header_parsers.header_latency(headers)
    from_headers = header_parsers.from_headers(headers)
    if from_headers is not None and header_parsers.headers_carry_cache(headers):
        report(from_headers, True, None, latency)
        return
    fallback = from_headers or NO_USAGE
    body = parsed.get("body")
    if isinstance(body, bytes | bytearray):
        report(usage_parsers.from_invoke_body(body) or fallback, True, None, latency)
        return
    sync, asynchronous = _sync_body(body), _async_body(body)
    if not sync and not asynchronous:
        report(fallback, True, None, latency)
        return

    def on_finish(data: bytes | None, completed: bool, error: BaseException | None) -> None:
        try:
            found = usage_parsers.from_invoke_body(data) if data is not None and completed else None
        except BaseException:
            report.unread(completed, _error_code(error))
            raise
        report(found or fallback, completed, _error_code(error), latency)

    if asynchronous:
        observe_async_body(body, on_finish)  # in place: aiobotocore's body type is kept
        return
    parsed["body"] = ObservedStreamingBody(body, on_finish)


#: what a chunk holding usage, metrics or the stream's end contains (every other chunk is a
#: text delta, not decoded: a stream has one per few tokens)
_MARKS = ("message_start", "message_delta", "message_stop", '"metadata"', "invocationMetrics")
_BYTE_MARKS = tuple(mark.encode() for mark in _MARKS)


def _chunk_event(event: Any) -> Any:
    """The decoded JSON of a ``{"chunk": {"bytes": ...}}`` stream event that may carry usage,
    or None."""
    chunk = event.get("chunk") if isinstance(event, Mapping) else None
    data = chunk.get("bytes") if isinstance(chunk, Mapping) else None
    if isinstance(data, str):
        marks: tuple[Any, ...] = _MARKS
    elif isinstance(data, bytes | bytearray):
        marks = _BYTE_MARKS
    else:
        return None
    if not any(mark in data for mark in marks):
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _invoke_stream_response(http_response: Any, parsed: dict[str, Any], report: Report) -> None:
    stream = parsed.get("body")
    if not isinstance(stream, EventStream) or isinstance(stream, ObservedEventStream):
        # A Stubber cannot return an event stream; whatever it returned is left alone.
        report(NO_USAGE, True, None, None)
        return
    seen = usage_parsers.InvokeStreamUsage()

    def on_event(event: Any) -> bool:
        return seen.observe(_chunk_event(event))

    def on_finish(completed: bool, error: BaseException | None) -> None:
        report(seen.result(), completed, _error_code(error), seen.latency_ms)

    parsed["body"] = ObservedEventStream(stream, on_event, _unread_on_failure(on_finish, report))


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("Converse", converse.count_markers, _converse_response),
        Operation("ConverseStream", converse.count_markers, _converse_stream_response),
        Operation("InvokeModel", invoke.count_markers, _invoke_response),
        Operation("InvokeModelWithResponseStream", invoke.count_markers, _invoke_stream_response),
    )
}
