"""What travels with one call from its request to its response, and who hears about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..ledger import CallRecord
from ..operations import Operation
from ..request.healing import Feature
from ..request.processor import RequestOutcome

__all__ = ["CALL_OBSERVERS", "CallObserver", "CallState"]


class CallObserver(Protocol):
    """Sees each call twice: ``start`` while botocore makes the call (the caller's context is
    current: the OpenTelemetry span, say), ``finish`` with its record once it is appended."""

    def start(self, operation: str, model_id: str) -> Any: ...
    def finish(self, token: Any, record: CallRecord) -> None: ...


#: the observers every installation tells about its calls (``export.otel`` adds one)
CALL_OBSERVERS: list[CallObserver] = []


@dataclass
class CallState:
    """Per-call state, carried in botocore's request ``context`` from request to response."""

    #: the installation that planned the call (its handlers report only their own calls)
    installation: object
    operation: Operation
    model_id: str
    timestamp: float
    started: float
    outcome: RequestOutcome = field(default_factory=RequestOutcome)
    #: (rejection code, feature) once a rejection of what we added was healed by a resend
    healing: tuple[str, Feature] | None = None
    #: Bedrock refused the request's markers (the caller's, or ours when healing could not)
    rejected: bool = False
    #: (observer, its token from ``start``) for each of :data:`CALL_OBSERVERS`
    observed: list[tuple[CallObserver, Any]] = field(default_factory=list)
