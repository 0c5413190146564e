"""Regression tests for what the differential fuzz campaign found (issue 11).

Each test runs the same call without the hook and with it (inject, audit) and compares what
the caller sees; the hook's own bookkeeping (exactly one record) is checked beside it.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

import bedrock_cache_hook as bch
from bedrock_cache_hook.activation import guard as _guard
from bedrock_cache_hook.activation import startup as _activate
from bedrock_cache_hook.ledger import DEFAULT_CAPACITY
from bedrock_cache_hook.sim import Simulator
from bedrock_cache_hook.sim import server as server_module
from tests.invoke.kit import anthropic_body
from tests.support import (
    SONNET_45,
    botocore_client,
    converse_response,
    http_response,
    json_response,
    respond_with,
)

MODES = (None, "inject", "audit")
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
INVOKE_ANSWER = {
    "content": [{"type": "text", "text": "ok"}],
    "usage": {"input_tokens": 3, "output_tokens": 1},
}


def _client(mode: str | None, make: Callable[[Any], Any]) -> tuple[Any, list[Any]]:
    client = botocore_client()
    if mode is not None:
        bch.install(client, mode=mode)
    return client, respond_with(client, make)


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        result = call()
    except Exception as exc:  # the outcome under comparison, whatever it is
        return type(exc).__name__, re.sub("0x[0-9a-f]+", "0x", str(exc))
    if isinstance(result, dict):
        result.pop("ResponseMetadata", None)
    return "ok", result


# -- 1. a request the hook cannot read is still recorded --------------------------------


def test_lone_surrogate_converse_is_read_and_recorded() -> None:
    params = {
        "modelId": SONNET_45,
        "messages": [{"role": "user", "content": [{"text": "hi \ud800"}]}],
    }
    outcomes, bodies = [], []
    for mode in MODES:
        bch.get_ledger().clear()
        client, sent = _client(mode, lambda request: json_response(converse_response()))
        outcomes.append(_outcome(lambda: client.converse(**params)))  # noqa: B023
        bodies.append(sent[0].body)
        assert len(bch.get_ledger().records()) == (0 if mode is None else 1)
    assert outcomes[0][0] == "ok"
    assert outcomes[1:] == [outcomes[0]] * 2
    assert bodies[1:] == [bodies[0]] * 2  # too short to be marked: the same bytes


def test_any_request_side_failure_sends_untouched_and_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _guard.set_reraise(False)
    body = json.dumps(anthropic_body()).encode()
    client, sent = _client(None, lambda request: json_response(INVOKE_ANSWER))
    client.invoke_model(modelId=SONNET_45, body=body)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("an internal bug")

    for where in (
        "bedrock_cache_hook.request.processor.plan",
        "bedrock_cache_hook.request.processor.resolve",
    ):
        bch.get_ledger().clear()
        with monkeypatch.context() as patch:
            patch.setattr(where, broken)
            hooked, hooked_sent = _client("inject", lambda request: json_response(INVOKE_ANSWER))
            response = hooked.invoke_model(modelId=SONNET_45, body=body)
            assert json.loads(response["body"].read()) == INVOKE_ANSWER
        assert hooked_sent[0].body == sent[0].body == body
        (record,) = bch.get_ledger().records()
        assert [f.code for f in record.findings] == ["request-unread"]  # type: ignore[attr-defined]
        assert record.injected == 0 and record.input_tokens == 3


# -- 2. install() is atomic; a huge capacity is a ValueError naming what was set ---------


def test_huge_ledger_capacity_is_a_value_error_and_installs_nothing() -> None:
    for target in (None, botocore_client()):
        with pytest.raises(ValueError, match="ledger_capacity"):
            bch.install(target, ledger_capacity=10**30)
        assert not bch.is_installed()
        assert bch.get_ledger().capacity == DEFAULT_CAPACITY


def test_huge_ledger_capacity_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    variable = "BEDROCK_CACHE_HOOK_LEDGER_CAPACITY"
    monkeypatch.setenv(variable, "99999999999999999999999")
    with pytest.raises(ValueError, match=variable):
        bch.install()
    assert not bch.is_installed()
    _activate._forget()
    with caplog.at_level(logging.ERROR, logger="bedrock_cache_hook"):
        environ = {"BEDROCK_CACHE_HOOK": "inject", variable: "99999999999999999999999"}
        assert _activate.activate_from_env(environ) is False
    _activate._forget()
    assert variable in caplog.text and "unexpected" not in caplog.text
    assert not bch.is_installed()


def test_install_fails_whole_when_a_late_step_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    params = {
        "modelId": SONNET_45,
        "system": [{"text": "word " * 3000}],
        "messages": [{"role": "user", "content": [{"text": "q"}]}],
    }

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("exporter cannot start")

    client, fresh = botocore_client(), botocore_client()
    bch.install(client, mode="audit")
    with monkeypatch.context() as patch:
        patch.setattr(
            sys.modules["bedrock_cache_hook.activation.install"], "configure_exporters", broken
        )
        with pytest.raises(OSError, match="exporter"):
            bch.install(client, mode="inject", ledger_capacity=7)
        with pytest.raises(OSError, match="exporter"):
            bch.install(mode="inject")
        with pytest.raises(OSError, match="exporter"):
            bch.install(fresh)
    assert bch.is_installed(client)  # the earlier install of the client stands
    assert not bch.is_installed(fresh)
    bch.uninstall(client)
    assert not bch.is_installed()  # the process-wide install never came on
    bch.install(client, mode="audit")
    assert bch.get_ledger().capacity == DEFAULT_CAPACITY
    sent = respond_with(client, lambda request: json_response(converse_response()))
    fresh_sent = respond_with(fresh, lambda request: json_response(converse_response()))
    client.converse(**params)
    fresh.converse(**params)
    (record,) = bch.get_ledger().records()  # none from fresh: no half-registered handlers
    assert record.injected == 0  # audit: the failed inject install left no trace
    assert b"cachePoint" not in sent[0].body and b"cachePoint" not in fresh_sent[0].body


# -- 3. a request botocore refuses stays refused ----------------------------------------


@pytest.mark.parametrize(
    "make_body",
    [
        lambda: memoryview(json.dumps(anthropic_body()).encode()),
        lambda: json.dumps(anthropic_body(system="\ud800 " + "word " * 3000), ensure_ascii=False),
    ],
    ids=["memoryview", "str-with-lone-surrogate"],
)
def test_bodies_botocore_refuses_stay_refused(make_body: Callable[[], Any]) -> None:
    outcomes = []
    for mode in MODES:
        client, sent = _client(mode, lambda request: json_response(INVOKE_ANSWER))
        outcomes.append(
            _outcome(lambda: client.invoke_model(modelId=SONNET_45, body=make_body()))  # noqa: B023
        )
        assert sent == []
    assert outcomes[0][0] in ("ParamValidationError", "UnicodeEncodeError")
    assert outcomes == [outcomes[0]] * 3
    assert bch.get_ledger().records() == []  # nothing was sent: no call to record


# -- 4. a re-written body differs in nothing but what the hook adds ----------------------


def test_duplicate_keys_are_sent_untouched_with_a_finding() -> None:
    text = json.dumps(anthropic_body())
    body = (text[:-1] + ', "max_tokens": 2}').encode()
    client, sent = _client("inject", lambda request: json_response(INVOKE_ANSWER))
    client.invoke_model(modelId=SONNET_45, body=body)
    assert sent[0].body == body
    (record,) = bch.get_ledger().records()
    assert "body-not-rewritable" in [f.code for f in record.findings]  # type: ignore[attr-defined]
    assert record.injected == 0
    # the same body without the duplicate is marked: the refusal above is not vacuous
    client.invoke_model(modelId=SONNET_45, body=text.encode())
    assert b"cache_control" in sent[1].body


def test_a_body_whose_markers_cannot_be_written_goes_out_as_the_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where neither the splice nor a faithful re-encode can write the plan (a body the
    splice does not follow, NaN elsewhere), the caller's bytes go out and nothing is
    claimed: no injected marker, the finding, the unmarked prefix on the record."""
    body = json.dumps(anthropic_body())[:-1] + ', "extra": NaN}'
    monkeypatch.setattr("bedrock_cache_hook.request.dialects.invoke.splice", lambda *a: None)
    client, sent = _client("inject", lambda request: json_response(INVOKE_ANSWER))
    client.invoke_model(modelId=SONNET_45, body=body.encode())
    assert sent[0].body == body.encode()
    (record,) = bch.get_ledger().records()
    assert record.injected == 0 and record.markers == 0
    assert "body-not-rewritable" in [f.code for f in record.findings]  # type: ignore[attr-defined]
    monkeypatch.undo()  # the same body, spliced: marked, the NaN kept as the caller wrote it
    client.invoke_model(modelId=SONNET_45, body=body.encode())
    assert b"cache_control" in sent[1].body and sent[1].body.endswith(b', "extra": NaN}')


# -- 5. a short body read in a with block -----------------------------------------------


def test_with_body_read_on_a_short_body_matches_no_hook() -> None:
    payload = json.dumps(INVOKE_ANSWER).encode()

    def short(request: Any) -> Any:
        return http_response(payload, headers={"content-length": str(len(payload) + 50)})

    def read_with() -> bytes:
        with client.invoke_model(modelId=SONNET_45, body=b"{}")["body"] as f:
            data: bytes = f.read()
        return data

    def read_plain() -> bytes:
        data: bytes = client.invoke_model(modelId=SONNET_45, body=b"{}")["body"].read()
        return data

    results = []
    for mode in MODES:
        bch.get_ledger().clear()
        client, _ = _client(mode, short)
        results.append((_outcome(read_with), _outcome(read_plain)))
        assert len(bch.get_ledger().records()) == (0 if mode is None else 2)
    assert results[0][0] == ("ok", payload)
    assert results[0][1][0] == "IncompleteReadError"
    assert results == [results[0]] * 3


# -- 6. environment errors name the variable ---------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BEDROCK_CACHE_HOOK_MODEL_OVERRIDES", '{"claude-sonnet-4-5": {"bogus": 1}}'),
        ("BEDROCK_CACHE_HOOK_MODEL_OVERRIDES", '{"claude-sonnet-4-5": {"max_markers": 9}}'),
        ("BEDROCK_CACHE_HOOK_PRICE_OVERRIDES", '{"claude-sonnet-4-5": {"input": -1}}'),
        ("BEDROCK_CACHE_HOOK_PRICE_OVERRIDES", '{"claude-sonnet-4-5": {"nope": 1}}'),
    ],
)
def test_override_variables_are_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable) as caught:
        bch.install()
    setting = variable.removeprefix("BEDROCK_CACHE_HOOK_").lower()
    assert not str(caught.value).startswith(setting)
    assert not bch.is_installed()
    # an explicit keyword is named as the keyword
    monkeypatch.delenv(variable)
    with pytest.raises(ValueError, match=f"^{setting}"):
        bch.install(**{setting: json.loads(value)})


# -- the simulator -----------------------------------------------------------------------


def test_simulator_answers_a_lone_surrogate_request() -> None:
    sim = Simulator()
    client = sim.client(config=NO_RETRY)
    response = client.converse(
        modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
        messages=[{"role": "user", "content": [{"text": "hi \ud800"}]}],
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sim.last_call().status == 200
    body = json.dumps(anthropic_body(system="\ud800 x", tools=0)).encode()  # a JSON escape
    answer = client.invoke_model(modelId="anthropic.claude-sonnet-4-5-20250929-v1:0", body=body)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_simulator_server_is_silent_on_connection_reset(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    handled = threading.Semaphore(0)
    original = server_module._Server.handle_error

    def counting(self: Any, request: Any, client_address: Any) -> None:
        original(self, request, client_address)
        handled.release()

    monkeypatch.setattr(server_module._Server, "handle_error", counting)
    sim = Simulator()
    with sim.serve() as server:
        for _ in range(3):
            raw = socket.create_connection((server.host, server.port))
            raw.sendall(b"POST /model/x/converse HTTP/1.1\r\nContent-Length: 100000\r\n\r\n{")
            # SO_LINGER 0: close() sends a reset, not a FIN
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
        for _ in range(3):  # each reset reached the server's error path
            assert handled.acquire(timeout=30)
        client = sim.client(endpoint_url=server.url, config=NO_RETRY)
        response = client.converse(
            modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
            messages=[{"role": "user", "content": [{"text": "hello"}]}],
        )
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err
    assert "Exception occurred during processing" not in captured.err


def test_botocore_errors_are_real() -> None:
    # the comparisons above rely on botocore refusing these bodies without the hook
    client = botocore_client()
    with pytest.raises(botocore.exceptions.ParamValidationError):
        client.invoke_model(modelId=SONNET_45, body=memoryview(b"{}"))


def test_a_callers_unknown_ttl_marker_seen_twice_is_no_internal_error() -> None:
    """Found by the fuzz campaign: the diagnosis memory looked the ttl up in a 5m/1h table."""
    params = {
        "modelId": SONNET_45,
        "system": [{"text": "word " * 3000}, {"cachePoint": {"type": "default", "ttl": "2h"}}],
        "messages": [{"role": "user", "content": [{"text": "q"}]}],
    }
    for mode in ("inject", "audit"):
        bch.get_ledger().clear()
        client, _ = _client(mode, lambda request: json_response(converse_response()))
        for _ in range(3):  # the guard re-raises in tests: an internal error fails here
            client.converse(**params)
        assert len(bch.get_ledger().records()) == 3
