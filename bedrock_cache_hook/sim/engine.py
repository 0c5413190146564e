"""The simulated service: routing, clock, the call log; one request in, one response out.

:meth:`Engine.handle` turns one HTTP request (:class:`WireRequest`) into one
:class:`~.responses.WireResponse`; both transports call it and send exactly what it returns.

* Routes (REST-JSON, ``modelId`` URL-encoded, may be an ARN): ``POST /model/{modelId}/``
  ``converse``, ``converse-stream``, ``invoke``, ``invoke-with-response-stream`` and
  ``count-tokens``; and the Anthropic Messages API as Bedrock serves it, ``POST
  /anthropic/v1/messages`` (``?beta=true`` too): the bedrock-runtime ``/anthropic`` base URL
  and a mantle-style one (``bedrock-mantle.{region}.api.aws/anthropic``) both end there; the
  model is the body's ``model``, ``"stream": true`` answers Server-Sent Events
  (``Messages`` / ``MessagesStream`` in the call log). Anything else is 404
  ``UnknownOperationException``.
* Signatures (``verify_signatures=True``): see :mod:`.signing`; checked before anything else.
* Region: the SigV4 credential scope of the ``Authorization`` header (the client's region, over
  either transport); the simulator's default region when the request is unsigned.
* Clock: ``clock()`` (default: frozen at :data:`EPOCH`) plus the total of :meth:`advance`; the
  simulated service never moves time by itself: answering takes no virtual time.
* Order of work: route -> fault queue (:mod:`.faults`) -> model (:mod:`.models`) -> body
  (:mod:`.converse_wire`, :mod:`.invoke_wire`) -> marker checks (:mod:`.requests`) -> cache
  accounting (:mod:`.cache`) -> latency (:mod:`.latency`) -> bytes (:mod:`.responses`). A
  rejected request changes no cache entry.
* Reply text: one of a few fixed phrases chosen by the prompt hash, cut at ``max_tokens``;
  request ids derive from the simulator's request counter. Same requests, same bytes.
* The call log (:class:`CallLog`) keeps counts only, never request or response text. An
  unexpected failure inside the simulator answers 500 ``InternalServerException``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from ..activation.guard import text_free_traceback
from .cache import CacheStore
from .converse_wire import as_map, parse_converse
from .errors import MODEL_ERRORS, SERVER_ERROR, UNKNOWN_OPERATION, SimError
from .faults import ERROR_FAULTS, STREAM_FAULTS, FaultKind, FaultQueue, fault_error
from .invoke_wire import decode_body, parse_invoke, parse_messages
from .latency import LatencyModel
from .models import SimModel, resolve_model
from .records import CallLog, WireRequest
from .reply import Reply, reply_pieces
from .requests import Prompt, check_markers, with_tool_prompt
from .responses import (
    WireResponse,
    error_response,
    json_response,
    reply_response,
    stream_error_frame,
)
from .routes import INVOKE, MESSAGES, STREAMING, route, signing_region
from .signing import verify_signature

__all__ = ["EPOCH", "CallLog", "Engine", "WireRequest"]

logger = logging.getLogger("bedrock_cache_hook.sim")

#: 2026-01-01T00:00:00Z: where the default virtual clock starts
EPOCH = 1_767_225_600.0


@dataclass(frozen=True)
class _Call:
    request: WireRequest
    operation: str
    model_id: str
    region: str
    request_id: str
    date: str
    log: CallLog


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
        verify_signatures: bool = False,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        #: verify SigV4 signatures (:mod:`.signing`) with ``credentials`` (key id -> secret)
        self.verify_signatures = verify_signatures
        self.credentials = dict(credentials or {})
        self._clock = clock or (lambda: EPOCH)
        self._offset = 0.0
        self.region = region
        self.models = dict(models or {})
        self.latency = latency or LatencyModel()
        self.time_scale = time_scale
        self.store = CacheStore()
        self.faults = FaultQueue()
        self._lock = threading.Lock()
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
        self.faults.add(kind, times)

    def calls(self) -> list[CallLog]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, entry: CallLog) -> None:
        with self._lock:
            self._log.append(entry)

    def _start(self, request: WireRequest) -> _Call:
        with self._lock:
            self._seq += 1
            seq = self._seq
        now = self.now()
        digest = hashlib.sha256(b"bedrock-cache-hook-sim:%d" % seq).digest()
        region = signing_region(request) or self.region
        operation, model_id = route(request)
        return _Call(
            request=request,
            operation=operation,
            model_id=model_id,
            region=region,
            request_id=str(uuid.UUID(bytes=digest[:16], version=4)),
            date=formatdate(now, usegmt=True),
            log=CallLog(seq, now, operation or "unknown", model_id, region, 200),
        )

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one HTTP request."""
        call = self._start(request)
        log = call.log
        try:
            if self.verify_signatures:
                verify_signature(
                    request.method, request.path, request.headers, request.body, self.credentials
                )
            if request.method != "POST" or not call.operation:
                path = urlsplit(request.path).path
                message = UNKNOWN_OPERATION.format(method=request.method, path=path)
                raise SimError(message, "UnknownOperationException", 404)
            fault = self.faults.take(call.operation in STREAMING)
            if fault in ERROR_FAULTS:
                log = replace(log, fault=fault)
                raise fault_error(fault)
            return self._answer(call, fault)
        except SimError as error:
            self._record(replace(log, status=error.status, error_code=error.code))
            message = error.message
            if error.from_model and call.operation in INVOKE:
                message = MODEL_ERRORS.format(message=message)
            return error_response(
                error.status,
                error.code,
                message,
                call.request_id,
                call.date,
                anthropic=call.operation in MESSAGES,
            )
        except Exception as exc:  # a simulator bug must not hang or crash a transport
            logger.error(
                "the simulator failed to answer a %s request (%s); traceback, message "
                "omitted (it may quote the request):\n%s",
                call.operation,
                type(exc).__qualname__,
                text_free_traceback(exc),
            )
            code = "InternalServerException"
            self._record(replace(log, status=500, error_code=code))
            return error_response(
                500,
                code,
                SERVER_ERROR,
                call.request_id,
                call.date,
                anthropic=call.operation in MESSAGES,
            )

    def _prompt(
        self, operation: str, body: Mapping[str, Any], spec: SimModel
    ) -> tuple[str, Prompt]:
        if operation in ("Converse", "ConverseStream"):
            return "converse", parse_converse(body)
        if operation in MESSAGES:
            return "anthropic", parse_messages(body, spec)
        if operation != "CountTokens":
            return parse_invoke(body, spec)
        given = as_map(body.get("input"))
        if "converse" in given:
            return "converse", parse_converse(as_map(given["converse"]))
        raw = as_map(given.get("invokeModel")).get("body", "")
        return parse_invoke(decode_body(base64.b64decode(str(raw))), spec)

    def _answer(self, call: _Call, fault: str | None) -> WireResponse:
        model = resolve_model(call.model_id, self.models)
        dialect, prompt = self._prompt(call.operation, decode_body(call.request.body), model.spec)
        if call.operation == "CountTokens":
            prompt = with_tool_prompt(prompt, model.spec.tool_prompt_tokens)
            self._record(replace(call.log, input_tokens=prompt.total_tokens))
            payload = {"inputTokens": prompt.total_tokens}
            return json_response(payload, call.request_id, call.date)
        prompt = with_tool_prompt(prompt, model.spec.tool_prompt_tokens)
        check_markers(prompt, model, call.model_id)
        writer = call.log.seq
        accounting = self.store.account(call.region, model, prompt, self.now(), writer)
        kept, truncated = reply_pieces(accounting.digest, prompt.max_tokens)
        output = sum(tokens for _, tokens in kept)
        reply = Reply(
            operation=call.operation,
            dialect=dialect,
            base_id=model.base_id,
            request_id=call.request_id,
            date=call.date,
            can_cache=model.spec.can_cache,
            accounting=accounting,
            pieces=tuple(piece for piece, _ in kept),
            output_tokens=output,
            truncated=truncated,
            first_token_ms=self.latency.first_token_ms(accounting),
            latency_ms=self.latency.total_ms(accounting, output),
        )
        self._record(
            replace(
                call.log,
                input_tokens=accounting.uncached,
                cache_read_tokens=accounting.read,
                cache_write_tokens=accounting.write,
                cache_write_1h_tokens=accounting.write_1h,
                output_tokens=output,
                first_token_ms=reply.first_token_ms,
                latency_ms=reply.latency_ms,
                fault=fault,
            )
        )
        response = self._shape(reply, fault)
        # what this request wrote becomes readable when its first byte goes out
        self.store.publish(accounting, writer, time.monotonic() + response.first_byte_delay)
        return response

    def _shape(self, reply: Reply, fault: str | None) -> WireResponse:
        headers, chunks = reply_response(reply)
        scale = self.time_scale / 1000.0
        streaming = reply.operation in STREAMING
        first = (reply.first_token_ms if streaming else reply.latency_ms) * scale
        per_chunk = self.latency.per_output_token_ms * scale if streaming else 0.0
        cut_at = None
        if fault in STREAM_FAULTS:
            whole = 1 + len(reply.pieces) // 2
            if fault == "stream_error":
                sse = reply.operation == "MessagesStream"
                chunks = [*chunks[:whole], stream_error_frame(SERVER_ERROR, sse=sse)]
            else:
                cut_at = sum(len(c) for c in chunks[:whole]) + len(chunks[whole]) // 2
        return WireResponse(200, headers, tuple(chunks), streaming, cut_at, first, per_chunk)
