"""The botocore handlers. Thin: they gather state and delegate; every body is guarded.

Why ``provide-client-params`` and not ``before-parameter-build`` / ``before-call``: a
Stubber checks expected params in ``before-parameter-build.*.*`` (a wildcard handler, which
runs before any handler on ``before-parameter-build.bedrock-runtime.*``) and answers from
``before-call.*.*``, which stops the chain before our ``before-call`` handler. Only
``provide-client-params`` runs before both, so injected markers are what a Stubber sees.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..diagnosis.calls import diagnose_call
from ..errors import CacheAuditError
from ..ledger import Ledger, classify, get_ledger
from ..operations import OPERATIONS, _error_code
from ..request.healing import names_caching
from ..request.processor import RequestOutcome, RequestProcessor
from ..response.record import make_record
from ..response.usage import NO_USAGE, Usage
from ..settings.fields import Settings
from .guard import guarded
from .healing import resend_callers_request, settle
from .reporting import Reporter, request_id_of, unread_outcome
from .state import CALL_OBSERVERS, CallState

SERVICE = "bedrock-runtime"
CONTEXT_KEY = "bedrock_cache_hook"
_ID_PREFIX = "bedrock_cache_hook"


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
            outcome: RequestOutcome | None = None
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
                outcome = unread_outcome(operation, params)
                raise
            finally:
                if outcome is not None:  # none for a strict mode refusal: nothing is sent
                    context[CONTEXT_KEY] = CallState(
                        installation=self,
                        operation=operation,
                        model_id=model_id,
                        timestamp=timestamp,
                        started=started,
                        outcome=outcome,
                    )
        state = self._state(context)
        if state is None or not CALL_OBSERVERS:
            return
        for observer in tuple(CALL_OBSERVERS):
            with guarded("observer start"):
                token = observer.start(state.operation.name, state.model_id)
                state.observed.append((observer, token))

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
            if state is None:
                return None
            return resend_callers_request(state, response, request_dict)
        return None

    def on_after_call(
        self, *, http_response: Any, parsed: Any, context: dict[str, Any], **_: Any
    ) -> None:
        with guarded("response"):
            state = self._state(context)
            if state is None:
                return
            context.pop(CONTEXT_KEY, None)
            report = Reporter(self, state, None)
            try:
                self._read_response(state, http_response, parsed, report)
            except BaseException:
                # whatever failed, the call keeps its one record (marked as unread)
                report.unread(True, None)
                raise

    def _read_response(
        self, state: CallState, http_response: Any, parsed: Any, report: Reporter
    ) -> None:
        if not isinstance(parsed, dict):
            report.unread(True, None)
            return
        if state.healing is not None:
            settle(self.processor.rejections, state, http_response, parsed)
        status_code = getattr(http_response, "status_code", 200)
        report.request_id = request_id_of(parsed)
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
                settle(self.processor.rejections, state, None, {})
            self._record(
                state,
                usage=NO_USAGE,
                completed=True,
                error_code=_error_code(exception),
                server_latency_ms=None,
                request_id=None,
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
        status = classify(usage, outcome.markers, failed=error_code is not None)
        diagnosis = diagnose_call(
            self.processor.diagnosis,
            outcome.ticket,
            usage,
            status,
            markers=outcome.markers,
            healed=state.healing is not None,
            rejected=state.rejected,
        )
        self.processor.calibrate(outcome, usage)
        record = make_record(
            outcome,
            usage,
            operation=state.operation.name,
            model_id=state.model_id,
            timestamp=state.timestamp,
            latency_ms=(time.perf_counter() - state.started) * 1000.0,
            status=status,
            diagnosis=diagnosis,
            completed=completed,
            error_code=error_code,
            request_id=request_id,
            server_latency_ms=server_latency_ms,
            healed=state.healing[0] if state.healing is not None else None,
        )
        self.ledger.append(record)
        for observer, token in state.observed:
            with guarded("observer finish"):
                observer.finish(token, record)
