"""The Simulator's own surface: attach/detach, defaults, guard rails, internal failures."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from bedrock_cache_hook.sim import EPOCH, Simulator
from bedrock_cache_hook.sim.engine import WireRequest

from .kit import NO_RETRY, POINT, SONNET_45, converse, text, usage_of


def test_attach_and_detach_an_existing_client() -> None:
    sim = Simulator()
    client = boto3.client(
        "bedrock-runtime",
        region_name="ap-northeast-1",
        endpoint_url="http://127.0.0.1:9",  # nothing listens there: only the simulator answers
        config=NO_RETRY,
    )
    assert sim.attach(client) is client
    sim.attach(client)  # idempotent: still one responder
    assert usage_of(client.converse(**converse(system=[text(1100), POINT])))[2] == 1100
    assert sim.stats().calls == 1
    assert sim.last_call().region == "ap-northeast-1"
    sim.detach(client)
    with pytest.raises(EndpointConnectionError):
        client.converse(**converse())


def test_client_defaults() -> None:
    sim = Simulator(region="eu-west-1")
    client = sim.client()
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert sim.now == EPOCH


def test_unsigned_requests_use_the_default_region() -> None:
    sim = Simulator(region="sa-east-1")
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}).encode()
    response = sim.engine.handle(WireRequest("POST", f"/model/{SONNET_45}/converse", {}, body))
    assert response.status == 200
    assert sim.last_call().region == "sa-east-1"


def test_guard_rails() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        Simulator(time_scale=-1)
    with pytest.raises(LookupError):
        Simulator().last_call()


def test_an_internal_failure_is_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = Simulator()
    client = sim.client(config=NO_RETRY)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(sim.engine.store, "account", broken)
    with pytest.raises(client.exceptions.InternalServerException):
        client.converse(**converse())
    assert (sim.last_call().status, sim.last_call().error_code) == (500, "InternalServerException")
