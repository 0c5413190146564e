"""One Messages-API call outside botocore, through the same request and response machinery.

A call is read and planned by the installation's own :class:`~.._request.RequestProcessor`
as an InvokeModel body would be (same dialect, planner, memory, rejections, diagnosis), and
recorded by the installation's own reporter into the same ledger, once; every step behind the
same fail-open guard as the botocore handlers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ..activation.guard import guarded
from ..activation.hooks import Installation
from ..activation.reporting import Reporter, unread_outcome
from ..activation.state import CallState
from ..errors import CacheAuditError
from ..operations import OPERATIONS, Operation
from ..request.dialects import invoke
from ..request.dialects.body import encode
from ..request.processor import RequestOutcome
from ..response.usage import NO_USAGE, Usage
from ..response.usage import from_anthropic as from_anthropic_usage

__all__ = ["Call", "begin", "prepare"]

_ANTHROPIC_VERSION = "bedrock-2023-05-31"
#: Messages API members that route the request rather than being part of the prompt
_ROUTING = ("model", "stream")


def _operation(name: str) -> Operation:
    known = OPERATIONS.get(name)
    if known is not None:
        return known
    return Operation(name, invoke.count_markers, lambda *_: None)


class Call:
    """A call in flight: records itself exactly once (``finish``), whatever happened."""

    def __init__(self, installation: Installation, state: CallState) -> None:
        self.state = state
        self._report = Reporter(installation, state, None)

    def finish(
        self,
        usage: Usage | None,
        *,
        completed: bool = True,
        error_code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        with guarded("response"):
            if request_id is not None:
                self._report.request_id = request_id
            self._report(usage or NO_USAGE, completed, error_code, None)

    def unread(self) -> None:
        with guarded("response"):
            self._report.unread(True, None)


def prepare(
    installation: Installation, operation: str, model_id: str, body: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, RequestOutcome, float, float] | None:
    """Plan one Messages body: ``(new body or None when unchanged, the outcome, timestamp,
    perf-counter start)``, or None when the installation is off."""
    settings = installation.settings
    if not installation.active or settings.mode == "off":
        return None
    started = time.perf_counter()
    timestamp = time.time()
    kind = _operation(operation)
    read = {k: v for k, v in body.items() if k not in _ROUTING}
    added_version = "anthropic_version" not in read
    if added_version:  # what the SDK adds itself when it sends; needed to sniff the dialect
        read["anthropic_version"] = _ANTHROPIC_VERSION
    holder: list[RequestOutcome] = []
    new_body: dict[str, Any] | None = None
    with guarded("request"):
        params: dict[str, Any] = {"modelId": model_id, "body": encode(read)}
        original = params["body"]
        try:
            now = settings.clock() if settings.clock is not None else time.time()
            outcome = installation.processor.process("InvokeModel", params, None, settings, now)
            if outcome.resolution is None:
                outcome.markers = kind.count_markers(params)
        except CacheAuditError:
            raise
        except BaseException:
            holder.append(unread_outcome(kind, {"modelId": model_id, "body": original}))
            raise
        holder.append(outcome)
        if params["body"] is not original:
            planned = json.loads(params["body"])
            if added_version and planned.get("anthropic_version") == _ANTHROPIC_VERSION:
                del planned["anthropic_version"]
            routing = {k: body[k] for k in _ROUTING if k in body}
            new_body = {**routing, **planned}
    if not holder:
        return None
    return new_body, holder[0], timestamp, started


def begin(
    installation: Installation, operation: str, model_id: str, body: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, Call | None]:
    """Plan one Messages body: ``(new body or None when unchanged, the call)``; the call is
    None when the installation is off. ``operation`` names the record (``InvokeModel`` ...)."""
    prepared = prepare(installation, operation, model_id, body)
    if prepared is None:
        return None, None
    new_body, outcome, timestamp, started = prepared
    state = CallState(installation, _operation(operation), model_id, timestamp, started, outcome)
    return new_body, Call(installation, state)


def usage_of(value: Any) -> Usage | None:
    """Usage from an Anthropic ``usage`` object: a mapping or a pydantic model."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        dump = getattr(value, "model_dump", None)
        value = dump() if callable(dump) else None
    return from_anthropic_usage(value, "body") if isinstance(value, Mapping) else None
