"""The botocore handlers. Thin: they gather state and delegate; every body is guarded.

Why ``provide-client-params`` and not ``before-parameter-build`` / ``before-call``: a
Stubber checks expected params in ``before-parameter-build.*.*`` (a wildcard handler, which
runs before any handler on ``before-parameter-build.bedrock-runtime.*``) and answers from
``before-call.*.*``, which stops the chain before our ``before-call`` handler. Only
``provide-client-params`` runs before both, so injected markers are what a Stubber sees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._guard import guarded
from ._operations import OPERATIONS, Operation, _error_code
from ._request import RequestOutcome, RequestProcessor
from .catalog import cost
from .config import Settings
from .diagnosis import Diagnosis, diagnose
from .diagnosis.cost import miss_cost
from .errors import CacheAuditError
from .findings import finding
from .healing import Feature, caller_body, names_caching, rejected_feature
from .ledger import CallRecord, Ledger, classify, get_ledger
from .usage import NO_USAGE, Usage

NO_DIAGNOSIS = Diagnosis()

SERVICE = "bedrock-runtime"
CONTEXT_KEY = "bedrock_cache_hook"
_ID_PREFIX = "bedrock_cache_hook"


@dataclass
class CallState:
    """Per-call state, carried in botocore's request ``context`` from request to response."""

    installation: Installation
    operation: Operation
    model_id: str
    timestamp: float
    started: float
    outcome: RequestOutcome = field(default_factory=RequestOutcome)
    #: (rejection code, feature) once a rejection of what we added was healed by a resend
    healing: tuple[str, Feature] | None = None
    #: Bedrock refused the request's markers (the caller's, or ours when healing could not)
    rejected: bool = False


class Installation:
    """One ``install()``: its settings, an on/off switch, and the handlers it registers.

    Clients copy handlers at creation, so ``active`` is the only way to silence the copies
    inside clients that already exist; the handlers check it on every call.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.active = False
        self.processor = RequestProcessor()

    @property
    def ledger(self) -> Ledger:
        own = self.settings.ledger
        return get_ledger() if own is None else own

    # -- registration --------------------------------------------------------------------

    def registrations(self) -> list[tuple[str, Any, str]]:
        """(event name, handler, unique id): one unique id per (event, handler)."""
        out: list[tuple[str, Any, str]] = []
        for name in OPERATIONS:
            for event, handler in (
                ("provide-client-params", self.on_provide_client_params),
                ("needs-retry", self.on_needs_retry),
                ("after-call", self.on_after_call),
                ("after-call-error", self.on_after_call_error),
            ):
                out.append((f"{event}.{SERVICE}.{name}", handler, f"{_ID_PREFIX}.{event}.{name}"))
        return out

    def attach(self, emitter: Any) -> None:
        """Register on a session or a client's emitter, replacing any earlier install of ours."""
        for event, handler, unique_id in self.registrations():
            emitter.unregister(event, unique_id=unique_id)
            emitter.register(event, handler, unique_id=unique_id)

    def detach(self, emitter: Any) -> None:
        for event, handler, unique_id in self.registrations():
            emitter.unregister(event, handler, unique_id=unique_id)

    # -- handlers ------------------------------------------------------------------------

    def on_provide_client_params(
        self, *, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        settings = self.settings
        if not self.active or settings.mode == "off":
            return
        started = time.perf_counter()
        timestamp = time.time()
        snapshot = dict(params)
        with guarded("request"):
            operation = OPERATIONS[model.name]
            raw_model_id = params.get("modelId")
            model_id = raw_model_id if isinstance(raw_model_id, str) else ""
            try:
                now = settings.clock() if settings.clock is not None else time.time()
                outcome = self.processor.process(model.name, params, model, settings, now)
                if outcome.resolution is None:
                    outcome.markers = operation.count_markers(params)
            except CacheAuditError:
                raise
            except BaseException:
                # Fail open: the call goes out exactly as the caller made it, and it is
                # still recorded (marked: the hook could not read the request).
                params.clear()
                params.update(snapshot)
                context[CONTEXT_KEY] = CallState(
                    installation=self,
                    operation=operation,
                    model_id=model_id,
                    timestamp=timestamp,
                    started=started,
                    outcome=_unread_outcome(operation, params),
                )
                raise
            context[CONTEXT_KEY] = CallState(
                installation=self,
                operation=operation,
                model_id=model_id,
                timestamp=timestamp,
                started=started,
                outcome=outcome,
            )

    def _state(self, context: Any) -> CallState | None:
        if not self.active or not isinstance(context, dict):
            return None
        state = context.get(CONTEXT_KEY)
        # Another installation's state (a copy in an old client) is not ours to report.
        if not isinstance(state, CallState) or state.installation is not self:
            return None
        return state

    def on_needs_retry(self, *, response: Any, request_dict: Any, **_: Any) -> int | None:
        """Bedrock rejected what we added: resend the caller's own request, at once.

        Runs before botocore's own retry handler (more specific events first); that one
        does not retry these errors, so returning 0 makes the one extra attempt.
        """
        with guarded("heal"):
            context = request_dict.get("context") if isinstance(request_dict, dict) else None
            state = self._state(context)
            if state is None or state.healing is not None or not isinstance(response, tuple):
                return None
            http_response, parsed = response
            if getattr(http_response, "status_code", 200) < 400 or not isinstance(parsed, dict):
                return None
            error = parsed.get("Error")
            error = error if isinstance(error, Mapping) else {}
            code, message = error.get("Code"), error.get("Message")
            feature = rejected_feature(code, message, state.outcome.added)
            if feature is None:
                return None
            body = caller_body(request_dict.get("body"), state.outcome.added)
            if body is None:
                return None
            request_dict["body"] = body
            state.healing = (str(code), feature)
            return 0
        return None

    def on_after_call(
        self, *, http_response: Any, parsed: Any, context: dict[str, Any], **_: Any
    ) -> None:
        with guarded("response"):
            state = self._state(context)
            if state is None:
                return
            context.pop(CONTEXT_KEY, None)
            report = _Reporter(self, state, None)
            try:
                self._read_response(state, http_response, parsed, report)
            except BaseException:
                # whatever failed, the call keeps its one record (marked as unread)
                report.unread(True, None)
                raise

    def _read_response(
        self, state: CallState, http_response: Any, parsed: Any, report: _Reporter
    ) -> None:
        if not isinstance(parsed, dict):
            report.unread(True, None)
            return
        if state.healing is not None:
            self._healed(state, http_response, parsed)
        status_code = getattr(http_response, "status_code", 200)
        report.request_id = _request_id(parsed)
        if not isinstance(status_code, int) or status_code >= 300:
            error = parsed.get("Error")
            error = error if isinstance(error, Mapping) else {}
            code = error.get("Code")
            # the request's own markers refused: the reason the caller sees no cache
            message = error.get("Message")
            state.rejected = state.outcome.markers > 0 and names_caching(code, message)
            report(NO_USAGE, True, str(code or status_code), None)
            return
        state.operation.read_response(http_response, parsed, report)

    def on_after_call_error(
        self, *, exception: BaseException, context: dict[str, Any], **_: Any
    ) -> None:
        with guarded("response error"):
            state = self._state(context)
            if state is None:
                return
            context.pop(CONTEXT_KEY, None)
            if state.healing is not None:  # the resend itself failed (connection, timeout)
                self._healed(state, None, {})
            self._record(
                state,
                usage=NO_USAGE,
                completed=True,
                error_code=_error_code(exception),
                server_latency_ms=None,
                request_id=None,
            )

    def _healed(self, state: CallState, http_response: Any | None, parsed: dict[str, Any]) -> None:
        """After the resend: learn the refusal if the caller's own request went through, and
        make the record describe what was actually sent."""
        assert state.healing is not None
        code, feature = state.healing
        metadata = parsed.get("ResponseMetadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("RetryAttempts"), int):
            metadata["RetryAttempts"] = max(0, metadata["RetryAttempts"] - 1)
        outcome = state.outcome
        outcome.markers -= outcome.added.markers
        outcome.injected = 0
        succeeded = http_response is not None and getattr(http_response, "status_code", 200) < 300
        if succeeded:
            self.processor.rejections.learn(state.model_id, feature)
        outcome.findings.append(
            finding(
                "healed",
                f"Bedrock rejected the {_FEATURES[feature]} the hook added ({code}); the "
                "caller's own request was sent instead"
                + (" and they are no longer added for this model" if succeeded else ""),
            )
        )

    def _record(
        self,
        state: CallState,
        *,
        usage: Usage,
        completed: bool,
        error_code: str | None,
        server_latency_ms: int | None,
        request_id: str | None,
    ) -> None:
        outcome = state.outcome
        cost_usd, cost_without_cache_usd = _dollars(outcome, usage)
        status = classify(usage, outcome.markers, failed=error_code is not None)
        diagnosis = self._diagnose(state, usage, status)
        record = CallRecord(
            operation=state.operation.name,
            model_id=state.model_id,
            timestamp=state.timestamp,
            latency_ms=(time.perf_counter() - state.started) * 1000.0,
            status=status,
            input_tokens=usage.input_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            cache_write_5m_tokens=usage.cache_write_5m_tokens,
            cache_write_1h_tokens=usage.cache_write_1h_tokens,
            output_tokens=usage.output_tokens,
            markers=outcome.markers,
            injected=outcome.injected,
            findings=list(outcome.findings),
            completed=completed,
            error_code=error_code,
            usage_source=usage.source,
            request_id=request_id,
            server_latency_ms=server_latency_ms,
            cost_usd=cost_usd,
            cost_without_cache_usd=cost_without_cache_usd,
            healed=state.healing[0] if state.healing is not None else None,
            miss_reason=diagnosis.reason,
            miss_detail=diagnosis.detail,
            missed_read_tokens=diagnosis.missed_read_tokens,
            miss_cost_usd=miss_cost(
                usage, diagnosis.missed_read_tokens, lambda u: _dollars(outcome, u)[0]
            ),
            plan_notes=outcome.plan_notes,
        )
        self.ledger.append(record)

    def _diagnose(self, state: CallState, usage: Usage, status: str) -> Diagnosis:
        ticket = state.outcome.ticket
        healed = state.healing is not None
        if ticket is None:
            return Diagnosis("healed") if healed else NO_DIAGNOSIS
        self.processor.diagnosis.finish(ticket, succeeded=status != "error")
        if status == "error" and not healed:
            return Diagnosis("marker_rejected") if state.rejected else NO_DIAGNOSIS
        return diagnose(
            ticket,
            input_tokens=usage.input_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            markers=state.outcome.markers,
            hit=status == "hit",
            healed=healed,
        )


class _Reporter:
    """Records one call, once: the usage the response reader found, or (``unread``) none,
    with a finding saying the hook could not read the response."""

    def __init__(self, installation: Installation, state: CallState, request_id: str | None):
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


_FEATURES = {
    "caching": "cache markers",
    "ttl-1h": "1h TTLs",
    "tools": "tool markers",
    "beta": "anthropic_beta flags",
}


def _unread_outcome(operation: Operation, params: Mapping[str, Any]) -> RequestOutcome:
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


def _dollars(outcome: RequestOutcome, usage: Usage) -> tuple[float, float]:
    """(billed, without caching) for one call; zeros when the model's prices are unknown."""
    resolution = outcome.resolution
    prices = resolution.prices if resolution is not None else None
    if resolution is None or prices is None:
        return 0.0, 0.0
    write_5m, write_1h = usage.cache_write_5m_tokens, usage.cache_write_1h_tokens
    if write_5m is None or write_1h is None or write_5m + write_1h != usage.cache_write_tokens:
        one_hour = outcome.write_ttl == "1h"
        write_5m = 0 if one_hour else usage.cache_write_tokens
        write_1h = usage.cache_write_tokens if one_hour else 0
    return cost(
        prices,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_5m_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
        multiplier=resolution.price_multiplier,
    )


def _request_id(parsed: Mapping[str, Any]) -> str | None:
    metadata = parsed.get("ResponseMetadata")
    value = metadata.get("RequestId") if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and value else None
