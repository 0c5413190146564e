"""Traces: recorded or generated Bedrock Runtime traffic, one request per JSON line.

Each line is one JSON object::

    {"t": 12.5, "op": "Converse", "kwargs": {"modelId": "...", "system": [...], ...}}

* ``t``: seconds since the start of the trace (non-decreasing; equal values are requests sent
  at the same moment, such as a fan-out's parallel calls);
* ``op``: ``Converse``, ``ConverseStream``, ``InvokeModel`` or ``InvokeModelWithResponseStream``;
* ``kwargs``: the exact keyword arguments of the boto3 call. An InvokeModel ``body`` may be a
  JSON object (it is sent as compact UTF-8 JSON) or a string.

Blank lines and lines starting with ``#`` are ignored. A trace file is named after the traffic
it holds: the file name without ``.jsonl`` is the trace's name in reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OPERATIONS", "Trace", "TraceCall", "TraceError", "dumps", "loads", "read", "write"]

OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")


class TraceError(ValueError):
    """A trace line that does not follow the format."""


@dataclass(frozen=True)
class TraceCall:
    at: float
    operation: str
    kwargs: Mapping[str, Any]


@dataclass(frozen=True)
class Trace:
    name: str
    calls: tuple[TraceCall, ...]
    #: what the traffic is (for reports), optional
    title: str = ""
    #: generator parameters (for reports), optional
    meta: Mapping[str, Any] = field(default_factory=dict)


def _call(line: str, number: int) -> TraceCall:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise TraceError(f"line {number}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise TraceError(f"line {number}: expected a JSON object")
    at, op, kwargs = data.get("t"), data.get("op"), data.get("kwargs")
    if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
        raise TraceError(f"line {number}: 't' must be a number of seconds >= 0")
    if op not in OPERATIONS:
        raise TraceError(f"line {number}: 'op' must be one of {', '.join(OPERATIONS)}")
    if not isinstance(kwargs, dict) or not isinstance(kwargs.get("modelId"), str):
        raise TraceError(f"line {number}: 'kwargs' must be an object with a string 'modelId'")
    return TraceCall(float(at), op, kwargs)


def loads(text: str, name: str = "trace") -> Trace:
    calls: list[TraceCall] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        call = _call(line, number)
        if calls and call.at < calls[-1].at:
            raise TraceError(f"line {number}: 't' goes backwards")
        calls.append(call)
    return Trace(name, tuple(calls))


def dumps(calls: Iterable[TraceCall]) -> str:
    lines = [
        json.dumps(
            {"t": round(call.at, 3), "op": call.operation, "kwargs": call.kwargs},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for call in calls
    ]
    return "".join(line + "\n" for line in lines)


def read(path: str | Path) -> Trace:
    file = Path(path)
    name = file.name[: -len(".jsonl")] if file.name.endswith(".jsonl") else file.stem
    return loads(file.read_text(encoding="utf-8"), name)


def write(trace: Trace, path: str | Path) -> None:
    Path(path).write_text(dumps(trace.calls), encoding="utf-8")
