"""Load and faults through real botocore clients answered by ``before-send`` responders.

- 16 threads x 1,000 calls over the four operations on shared clients, streams abandoned and
  bodies never read: ledger totals exact, memory bounded;
- uninstall/install from another thread during such a load;
- a forked worker;
- throttling with retries, 5xx, connection resets, a cut stream: the caller's outcome is the
  one it gets without the hook, and each call has exactly one record.
"""

from __future__ import annotations

import base64
import gc
import itertools
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError

import bedrock_cache_hook as bch
from bedrock_cache_hook.sim.eventstream import encode_event
from tests.support import (
    REGION,
    SONNET_45,
    converse_response,
    converse_stream_frames,
    http_response,
    json_response,
    stream_response,
)

THREADS = 16
CALLS = 1_000
OPERATIONS = ("converse", "converse_stream", "invoke_model", "invoke_model_with_response_stream")
CONVERSE_USAGE = {
    "inputTokens": 10,
    "outputTokens": 2,
    "totalTokens": 112,
    "cacheReadInputTokens": 100,
}
INVOKE_HEADERS = {
    "X-Amzn-Bedrock-Input-Token-Count": "7",
    "X-Amzn-Bedrock-Output-Token-Count": "3",
    "X-Amzn-Bedrock-Cache-Read-Input-Token-Count": "50",
    "X-Amzn-Bedrock-Cache-Write-Input-Token-Count": "0",
}
PARAMS: dict[str, dict[str, Any]] = {
    "converse": {
        "modelId": SONNET_45,
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    },
    "invoke_model": {
        "modelId": SONNET_45,
        "body": json.dumps(
            {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": "hi"}],
            }
        ).encode(),
    },
}
PARAMS["converse_stream"] = PARAMS["converse"]
PARAMS["invoke_model_with_response_stream"] = PARAMS["invoke_model"]


def _chunk(payload: Any) -> bytes:
    return encode_event("chunk", {"bytes": base64.b64encode(json.dumps(payload).encode()).decode()})


INVOKE_STREAM = [
    _chunk({"type": "message_start", "message": {"usage": {"input_tokens": 4}}}),
    _chunk({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 4}}),
]


def _answer(request: Any, **_: Any) -> Any:
    url = request.url
    if url.endswith("/converse"):
        return json_response(converse_response(CONVERSE_USAGE))
    if url.endswith("/converse-stream"):
        return stream_response(converse_stream_frames(CONVERSE_USAGE))
    if url.endswith("/invoke-with-response-stream"):
        return stream_response(INVOKE_STREAM)
    return json_response({"content": [], "usage": {"input_tokens": 1}}, headers=INVOKE_HEADERS)


def _client(config: Config | None = None) -> Any:
    session = botocore.session.get_session()
    client = session.create_client(
        "bedrock-runtime",
        region_name=REGION,
        config=config or Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    return client


def _call_and_drop(client: Any, operation: str) -> None:
    """Call, and abandon whatever came back: no stream iterated, no body read."""
    response = getattr(client, operation)(**PARAMS[operation])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def _run_threads(work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_sixteen_threads_thousand_calls_each_exact_totals_bounded_memory() -> None:
    ledger = bch.Ledger(capacity=500)
    clients = [_client(), _client()]
    for client in clients:
        # every store the hook keeps is bounded; small bounds make the check below tight
        bch.install(client, ledger=ledger, diagnosis_capacity=100)
        client.meta.events.register("before-send.bedrock-runtime", _answer)
    for _ in range(200):  # warm up: fill the bounded stores, load models and caches
        for operation in OPERATIONS:
            _call_and_drop(clients[0], operation)
    for operation in OPERATIONS:
        _call_and_drop(clients[0], operation)
    ledger.clear()
    baseline = _live_objects()

    def work(n: int) -> None:
        client = clients[n % 2]
        for i in range(CALLS):
            _call_and_drop(client, OPERATIONS[(n + i) % 4])

    assert _run_threads(work) == []
    gc.collect()
    per_operation = THREADS * CALLS // 4
    summary = ledger.summary()
    assert summary.calls == THREADS * CALLS
    assert summary.errors == 0
    # Converse: usage in the body; InvokeModel: from the headers (the body is never read);
    # the abandoned streams were recorded when dropped, with what they had seen: nothing
    assert summary.input_tokens == per_operation * (10 + 7)
    assert summary.cache_read_tokens == per_operation * (100 + 50)
    assert summary.output_tokens == per_operation * (2 + 3)
    records = ledger.records()
    assert len(records) == 500  # bounded by the capacity
    streams = [r for r in records if r.operation.endswith("Stream")]
    assert streams and not any(r.completed for r in streams)
    # nothing per call is kept beyond the bounds: 16,000 more calls, no more live objects
    # than a ledger's worth (500 records, their findings and lists): a leak of one object
    # per call would be 16,000
    assert _live_objects() - baseline < 4_000


def test_install_and_uninstall_from_another_thread_during_load() -> None:
    bch.install()
    clients = [_client(), _client()]
    request_ids = itertools.count()
    lock = threading.Lock()

    def answer(request: Any, **_: Any) -> Any:
        response = _answer(request)
        with lock:
            response.headers["x-amzn-requestid"] = f"req-{next(request_ids)}"
        return response

    for client in clients:
        client.meta.events.register("before-send.bedrock-runtime", answer)
    stop = threading.Event()
    toggles = {"n": 0}

    def toggle() -> None:
        while not stop.is_set():
            bch.uninstall()
            bch.install()
            toggles["n"] += 1
            # stay installed for a moment: calls then start and end under one installation,
            # however busy the machine (a spinning toggler could starve every call of one)
            stop.wait(0.002)

    toggler = threading.Thread(target=toggle)
    toggler.start()

    def work(n: int) -> None:
        for i in range(CALLS // 4):
            operation = OPERATIONS[(n + i) % 4]
            response = getattr(clients[n % 2], operation)(**PARAMS[operation])
            if operation == "converse":
                assert response["usage"] == CONVERSE_USAGE  # the caller's result, unchanged
            elif operation == "invoke_model":
                assert json.loads(response["body"].read())["usage"] == {"input_tokens": 1}
            else:
                key = "stream" if operation == "converse_stream" else "body"
                assert len(list(response[key])) > 0

    try:
        errors = _run_threads(work)
    finally:
        stop.set()
        toggler.join()
    assert errors == []
    assert toggles["n"] > 0
    gc.collect()
    ledger = bch.get_ledger()
    ids = [r.request_id for r in ledger.records()]
    assert len(ids) == len(set(ids))  # never two records for one call
    assert 0 < len(ids) <= THREADS * CALLS // 4
    # once the switching stops, every call is recorded again, exactly once
    ledger.clear()
    for operation in OPERATIONS:
        _call_and_drop(clients[0], operation)
    gc.collect()
    assert ledger.summary().calls == 4


def test_forked_worker_records_its_own_calls() -> None:
    ledger = bch.Ledger()
    client = _client()
    bch.install(client, ledger=ledger)
    client.meta.events.register("before-send.bedrock-runtime", _answer)
    _call_and_drop(client, "converse")
    assert ledger.summary().calls == 1
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never return into pytest
        status = 1
        try:
            for operation in OPERATIONS:
                _call_and_drop(client, operation)
            gc.collect()
            os.write(write_end, json.dumps(ledger.summary().calls).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        reported = pipe.read()
    assert os.waitstatus_to_exitcode(status) == 0
    assert json.loads(reported) == 1 + 4  # the parent's record plus the worker's four
    assert ledger.summary().calls == 1  # the worker's calls are the worker's
    _call_and_drop(client, "invoke_model")
    assert ledger.summary().calls == 2


# -- faults ----------------------------------------------------------------------------


def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )


def _scripted(answers: list[Callable[[Any], Any]]) -> Callable[..., Any]:
    """A responder giving each attempt the next scripted answer (the last one repeats)."""
    attempts = {"n": 0}

    def respond(request: Any, **_: Any) -> Any:
        answer = answers[min(attempts["n"], len(answers) - 1)]
        attempts["n"] += 1
        return answer(request)

    return respond


def _error(status: int, code: str) -> Callable[[Any], Any]:
    body = json.dumps({"message": "try later"}).encode()
    return lambda request: http_response(body, status, {"x-amzn-errortype": code})


def _reset(request: Any) -> Any:
    raise ConnectionClosedError(endpoint_url=request.url)


def _cut_stream(request: Any) -> Any:
    data = b"".join(converse_stream_frames(CONVERSE_USAGE))
    return stream_response([data[: len(data) - 9]])


FAULTS: dict[str, tuple[str, list[Callable[[Any], Any]]]] = {
    "throttled-then-ok": ("converse", [_error(429, "ThrottlingException"), _answer]),
    "throttled-always": ("converse", [_error(429, "ThrottlingException")]),
    "5xx-then-ok": ("invoke_model", [_error(500, "InternalServerException"), _answer]),
    "503-always": ("converse_stream", [_error(503, "ServiceUnavailableException")]),
    "reset-then-ok": ("invoke_model_with_response_stream", [_reset, _answer]),
    "reset-always": ("converse", [_reset]),
    "cut-stream": ("converse_stream", [_cut_stream]),
}


def _outcome(client: Any, operation: str) -> Any:
    try:
        response = getattr(client, operation)(**PARAMS[operation])
        metadata = response.pop("ResponseMetadata")
        out: dict[str, Any] = {"retries": metadata["RetryAttempts"]}
        if operation.endswith("stream"):
            key = "stream" if operation == "converse_stream" else "body"
            out["events"] = list(response.pop(key))
        elif operation == "invoke_model":
            out["body"] = response.pop("body").read()
        out["rest"] = response
        return out
    except Exception as exc:  # the outcome under comparison
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faults_give_the_callers_outcome_and_one_record(
    monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    _no_backoff(monkeypatch)
    operation, answers = FAULTS[fault]
    config = Config(retries={"max_attempts": 3, "mode": "standard"})
    outcomes = []
    for mode in (None, "inject", "audit"):
        ledger = bch.Ledger()
        client = _client(config)
        if mode is not None:
            bch.install(client, mode=mode, ledger=ledger)
        client.meta.events.register("before-send.bedrock-runtime", _scripted(answers))
        outcomes.append(_outcome(client, operation))
        gc.collect()
        assert ledger.summary().calls == (0 if mode is None else 1), (fault, mode)
        if mode is not None:
            (record,) = ledger.records()
            assert (record.status == "error") == isinstance(outcomes[-1], tuple), record
            assert record.completed == (fault != "cut-stream")
    assert outcomes[1:] == [outcomes[0]] * 2
    if fault.endswith("-then-ok"):
        assert outcomes[0]["retries"] == 1  # type: ignore[index]
