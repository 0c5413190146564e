"""Per-operation knowledge: what to read from a request and where usage lives in a response.

A small registry in the style of OpenTelemetry's botocore extensions: one adapter per
bedrock-runtime operation we understand; every other operation is not hooked at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.eventstream import EventStream

from . import usage as usage_parsers
from .dialects import converse
from .streams import ObservedEventStream
from .usage import NO_USAGE, Usage

#: (usage, completed, error_code, server_latency_ms) -> None
Report = Callable[[Usage, bool, "str | None", "int | None"], None]


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
        metadata = event.get("metadata") if isinstance(event, Mapping) else None
        if not isinstance(metadata, Mapping):
            return False
        seen["usage"] = usage_parsers.from_converse(metadata.get("usage"), "stream-metadata")
        seen["latency"] = _latency(metadata)
        return True

    def on_finish(completed: bool, error: BaseException | None) -> None:
        report(seen["usage"], completed, _error_code(error), seen["latency"])

    parsed["stream"] = ObservedEventStream(stream, on_event, on_finish)


def _invoke_response(http_response: Any, parsed: dict[str, Any], report: Report) -> None:
    headers = getattr(http_response, "headers", None)
    report(usage_parsers.from_headers(headers) or NO_USAGE, True, None, None)


def _no_markers(params: Mapping[str, Any]) -> int:
    return 0


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("Converse", converse.count_markers, _converse_response),
        Operation("ConverseStream", converse.count_markers, _converse_stream_response),
        Operation("InvokeModel", _no_markers, _invoke_response),
        Operation("InvokeModelWithResponseStream", _no_markers, _invoke_response),
    )
}
