"""The simulated service: routing, clock, faults, latency, the call log.

:meth:`Engine.handle` turns one HTTP request (:class:`WireRequest`) into one
:class:`~.responses.WireResponse`; both transports call it and send exactly what it returns.

* Routes (REST-JSON, ``modelId`` URL-encoded, may be an ARN): ``POST /model/{modelId}/``
  ``converse``, ``converse-stream``, ``invoke``, ``invoke-with-response-stream`` and
  ``count-tokens``; anything else is 404 ``UnknownOperationException``.
* Region: the SigV4 credential scope of the ``Authorization`` header (the client's region, over
  either transport); the simulator's default region when the request is unsigned.
* Clock: ``clock()`` (default: frozen at :data:`EPOCH`) plus the total of :meth:`advance`; the
  simulated service never moves time by itself, answering takes no virtual time.
* Faults, queued by :meth:`fail_next`, are taken in order by the first request they apply to:
  ``throttle`` (429 ``ThrottlingException``), ``server_error`` (500 ``InternalServerException``),
  ``unavailable`` (503 ``ServiceUnavailableException``) apply to any request and leave the cache
  untouched; ``stream_cut`` (the body ends mid-frame after the first half of the text deltas, as
  a broken connection does) and ``stream_error`` (an ``internalServerException`` frame instead
  of the rest) apply to the next streaming request, after its cache accounting.
* Latency model (:class:`LatencyModel`): time to first token
  ``base + per_input * (uncached + written) + per_cached * read`` ms, total ``first +
  per_output * output`` ms. Reported, never slept, unless ``time_scale > 0``.
* Reply text: one of a few fixed phrases chosen by the prompt hash, cut at ``max_tokens``.
* The call log keeps counts only (never request or response text).
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import formatdate
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from .cache import Accounting, CacheStore
from .converse_wire import as_map, parse_converse
from .errors import (
    SERVER_ERROR,
    THROTTLED,
    UNAVAILABLE,
    UNKNOWN_OPERATION,
    SimError,
)
from .invoke_wire import decode_body, parse_invoke
from .models import SimModel, resolve_model
from .requests import Prompt, check_markers
from .responses import Reply, WireResponse, error_response, reply_response, stream_error_frame
from .tokenizer import count_text, pieces

__all__ = ["EPOCH", "CallLog", "Engine", "FaultKind", "LatencyModel", "WireRequest"]

#: 2026-01-01T00:00:00Z: where the default virtual clock starts
EPOCH = 1_767_225_600.0
FaultKind = Literal["throttle", "server_error", "unavailable", "stream_cut", "stream_error"]
_FAULTS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "ThrottlingException", THROTTLED),
    "server_error": (500, "InternalServerException", SERVER_ERROR),
    "unavailable": (503, "ServiceUnavailableException", UNAVAILABLE),
}
_STREAM_FAULTS = ("stream_cut", "stream_error")
_OPERATIONS = {
    "converse": "Converse",
    "converse-stream": "ConverseStream",
    "invoke": "InvokeModel",
    "invoke-with-response-stream": "InvokeModelWithResponseStream",
    "count-tokens": "CountTokens",
}
_STREAMING = ("ConverseStream", "InvokeModelWithResponseStream")
_ROUTE = re.compile(r"^/model/([^/]+)/([a-z-]+)$")
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/")
_PHRASES = (
    "The cached prefix was read back and the answer is ready.",
    "Here is a short, deterministic reply from the local simulator.",
    "Understood. Nothing else to add for this request.",
    "The simulator answers with a fixed phrase chosen by the prompt.",
    "All set: this reply depends only on the request you sent.",
)


@dataclass(frozen=True)
class LatencyModel:
    base_ms: float = 180.0
    per_input_token_ms: float = 0.12
    per_cached_token_ms: float = 0.006
    per_output_token_ms: float = 14.0

    def first_token_ms(self, accounting: Accounting) -> int:
        processed = accounting.uncached + accounting.write
        cached = self.per_cached_token_ms * accounting.read
        return round(self.base_ms + self.per_input_token_ms * processed + cached)

    def total_ms(self, accounting: Accounting, output_tokens: int) -> int:
        return self.first_token_ms(accounting) + round(self.per_output_token_ms * output_tokens)


@dataclass(frozen=True)
class WireRequest:
    method: str
    path: str
    #: header names lower-cased
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class CallLog:
    """One request as the simulated service saw it: counts only."""

    seq: int
    at: float
    operation: str
    model_id: str
    region: str
    status: int
    error_code: str | None = None
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    first_token_ms: int = 0
    latency_ms: int = 0
    fault: str | None = None


@dataclass(frozen=True)
class _Call:
    request: WireRequest
    operation: str
    model_id: str
    region: str
    fault: str | None
    log: CallLog
    request_id: str
    date: str


class Engine:
    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        region: str = "us-east-1",
        models: Mapping[str, SimModel | str] | None = None,
        latency: LatencyModel | None = None,
        time_scale: float = 0.0,
        log_size: int = 10_000,
    ) -> None:
        self._clock = clock or (lambda: EPOCH)
        self._offset = 0.0
        self.region = region
        self.models = dict(models or {})
        self.latency = latency or LatencyModel()
        self.time_scale = time_scale
        self.store = CacheStore()
        self._lock = threading.Lock()
        self._faults: list[str] = []
        self._seq = 0
        self._log: deque[CallLog] = deque(maxlen=log_size)

    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the simulator's clock only moves forward")
        with self._lock:
            self._offset += seconds

    def fail_next(self, kind: FaultKind, times: int = 1) -> None:
        if kind not in _FAULTS and kind not in _STREAM_FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.extend([kind] * times)

    def calls(self) -> list[CallLog]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _take_fault(self, operation: str) -> str | None:
        with self._lock:
            for i, kind in enumerate(self._faults):
                if kind in _FAULTS or operation in _STREAMING:
                    return self._faults.pop(i)
        return None

    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _record(self, entry: CallLog) -> None:
        with self._lock:
            self._log.append(entry)

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP request."""
        seq = self._next_seq()
        now = self.now()
        date = formatdate(now, usegmt=True)
        request_id = str(uuid.UUID(bytes=hashlib.sha256(b"sim:%d" % seq).digest()[:16], version=4))
        scope = _SCOPE.search(request.headers.get("authorization", ""))
        region = scope.group(1) if scope else self.region
        route = _ROUTE.match(urlsplit(request.path).path)
        operation = _OPERATIONS.get(route.group(2), "") if route else ""
        model_id = unquote(route.group(1)) if route else ""
        log = CallLog(seq, now, operation or request.path, model_id, region, 200)
        try:
            if request.method != "POST" or not operation:
                message = UNKNOWN_OPERATION.format(method=request.method, path=request.path)
                raise SimError(message, "UnknownOperationException", 404)
            fault = self._take_fault(operation)
            if fault in _FAULTS:
                log = replace(log, fault=fault)
                raise SimError(_FAULTS[fault][2], _FAULTS[fault][1], _FAULTS[fault][0])
            call = _Call(request, operation, model_id, region, fault, log, request_id, date)
            return self._answer(call)
        except SimError as error:
            self._record(replace(log, status=error.status, error_code=error.code))
            return error_response(error.status, error.code, error.message, request_id, date)

    def _prompt(
        self, operation: str, body: Mapping[str, Any], spec: SimModel
    ) -> tuple[str, Prompt]:
        if operation in ("Converse", "ConverseStream"):
            return "converse", parse_converse(body)
        if operation != "CountTokens":
            return parse_invoke(body, spec)
        given = as_map(body.get("input"))
        if "converse" in given:
            return "converse", parse_converse(as_map(given["converse"]))
        raw = as_map(given.get("invokeModel")).get("body", "")
        return parse_invoke(decode_body(base64.b64decode(str(raw))), spec)

    def _answer(self, call: _Call) -> WireResponse:
        request, operation, model_id, log = call.request, call.operation, call.model_id, call.log
        date, request_id, fault = call.date, call.request_id, call.fault
        model = resolve_model(model_id, self.models)
        dialect, prompt = self._prompt(operation, decode_body(request.body), model.spec)
        if operation == "CountTokens":
            self._record(replace(log, input_tokens=prompt.total_tokens))
            headers = (
                ("Date", date),
                ("Content-Type", "application/json"),
                ("x-amzn-RequestId", request_id),
            )
            return WireResponse(200, headers, (b'{"inputTokens":%d}' % prompt.total_tokens,))
        check_markers(prompt, model, model_id)
        accounting = self.store.account(call.region, model, prompt, self.now())
        phrase = _PHRASES[int(accounting.digest[:8], 16) % len(_PHRASES)]
        kept, truncated = _cut(phrase, prompt.max_tokens)
        output = sum(count_text(p) for p in kept)
        reply = Reply(
            operation=operation,
            dialect=dialect,
            base_id=model.base_id,
            request_id=request_id,
            date=date,
            can_cache=model.spec.can_cache,
            accounting=accounting,
            pieces=tuple(kept),
            output_tokens=output,
            truncated=truncated,
            first_token_ms=self.latency.first_token_ms(accounting),
            latency_ms=self.latency.total_ms(accounting, output),
        )
        self._record(
            replace(
                log,
                input_tokens=accounting.uncached,
                cache_read_tokens=accounting.read,
                cache_write_tokens=accounting.write,
                output_tokens=output,
                first_token_ms=reply.first_token_ms,
                latency_ms=reply.latency_ms,
                fault=fault,
            )
        )
        return self._shape(reply, fault)

    def _shape(self, reply: Reply, fault: str | None) -> WireResponse:
        headers, chunks = reply_response(reply)
        scale = self.time_scale / 1000.0
        streaming = reply.operation in _STREAMING
        first = (reply.first_token_ms if streaming else reply.latency_ms) * scale
        per_chunk = self.latency.per_output_token_ms * scale if streaming else 0.0
        cut_at = None
        if fault in _STREAM_FAULTS:
            whole = 1 + len(reply.pieces) // 2
            if fault == "stream_error":
                chunks = [*chunks[:whole], stream_error_frame(SERVER_ERROR)]
            else:
                cut_at = sum(len(c) for c in chunks[:whole]) + len(chunks[whole]) // 2
        return WireResponse(200, headers, tuple(chunks), streaming, cut_at, first, per_chunk)


def _cut(phrase: str, limit: int | None) -> tuple[list[str], bool]:
    kept: list[str] = []
    used = 0
    for piece, tokens in pieces(phrase):
        if limit is not None and used + tokens > limit:
            return kept, True
        kept.append(piece)
        used += tokens
    return kept, False
