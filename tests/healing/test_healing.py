"""Self-healing: a rejection of what the hook added costs one extra round trip, never a call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import bedrock_cache_hook as bch
from bedrock_cache_hook.sim import Simulator

LLAMA = "meta.llama3-3-70b-instruct-v1:0"
SONNET_4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"  # 5m only on Bedrock
NOVA = "us.amazon.nova-pro-v1:0"  # rejects tool markers

SYSTEM = [{"text": "You answer questions about the warehouse inventory. " * 120}]
TOOLS = [
    {
        "toolSpec": {
            "name": f"lookup_{i}",
            "description": "Look up one inventory record by its identifier. " * 40,
            "inputSchema": {"json": {"type": "object", "properties": {"id": {"type": "string"}}}},
        }
    }
    for i in range(4)
]


def messages(turns: int = 1) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(turns):
        out.append({"role": "user", "content": [{"text": f"How many crates of item {i}? " * 30}]})
        if i < turns - 1:
            out.append({"role": "assistant", "content": [{"text": f"There are {i} crates."}]})
    return out


def converse_kwargs(model_id: str, *, tools: bool = False, turns: int = 2) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"modelId": model_id, "system": SYSTEM, "messages": messages(turns)}
    if tools:
        kwargs["toolConfig"] = {"tools": TOOLS}
    return kwargs


def wire(client: Any) -> list[Any]:
    """Every HTTP request the client sends (``before-send``, ahead of the simulator)."""
    sent: list[Any] = []
    client.meta.events.register_first(
        "before-send.bedrock-runtime", lambda request, **_: sent.append(request)
    )
    return sent


def markers(request: Any) -> list[dict[str, Any]]:
    """Every ``cachePoint`` value in a sent Converse request body."""
    body = json.loads(request.body)
    found = [e["cachePoint"] for e in body.get("system", []) if "cachePoint" in e]
    found += [
        e["cachePoint"] for e in body.get("toolConfig", {}).get("tools", []) if "cachePoint" in e
    ]
    for message in body.get("messages", []):
        found += [e["cachePoint"] for e in message["content"] if "cachePoint" in e]
    return found


def tool_markers(request: Any) -> int:
    tools = json.loads(request.body).get("toolConfig", {}).get("tools", [])
    return sum("cachePoint" in tool for tool in tools)


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def client(sim: Simulator) -> Any:
    # no retries of its own: every extra request on the wire is the hook's
    return sim.client(config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def _heal_case(
    sim: Simulator, client: Any, kwargs: dict[str, Any], **settings: Any
) -> tuple[list[Any], dict[str, Any]]:
    sent = wire(client)
    bch.install(client, **settings)
    response = client.converse(**kwargs)
    return sent, response


def _assert_healed_once(sim: Simulator, sent: list[Any], response: dict[str, Any]) -> Any:
    calls = sim.calls()
    assert [c.status >= 400 for c in calls] == [True, False]  # exactly one extra round trip
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    (record,) = bch.get_ledger().records()
    assert record.healed == calls[0].error_code
    assert record.error_code is None and record.injected == 0
    assert "healed" in [f.code for f in record.findings]  # type: ignore[attr-defined]
    assert len(sent) == 2
    return record


def test_markers_forced_onto_a_model_that_cannot_cache(sim: Simulator, client: Any) -> None:
    overrides = {"no-cache": {"caching": True, "min_tokens": 0}}
    kwargs = converse_kwargs(LLAMA)
    sent, response = _heal_case(sim, client, kwargs, model_overrides=overrides)
    record = _assert_healed_once(sim, sent, response)
    assert markers(sent[0]) and not markers(sent[1])  # the resend is the caller's own request
    assert record.markers == 0
    assert sim.calls()[0].error_code in ("AccessDeniedException", "ValidationException")
    # learnt: the next call sends no marker at all and goes through at once
    client.converse(**kwargs)
    assert len(sim.calls()) == 3 and sim.calls()[-1].status == 200
    assert not markers(sent[2])
    assert bch.get_ledger().records()[-1].healed is None


def test_a_1h_ttl_the_model_refuses(sim: Simulator, client: Any) -> None:
    overrides = {"claude-sonnet-4": {"ttls": ["5m", "1h"]}}
    kwargs = converse_kwargs(SONNET_4, tools=True)
    sent, response = _heal_case(sim, client, kwargs, ttl="1h", model_overrides=overrides)
    _assert_healed_once(sim, sent, response)
    assert any(m.get("ttl") == "1h" for m in markers(sent[0]))
    assert markers(sent[1]) == []
    # learnt: markers again, but never 1h for this model id; and they cache
    client.converse(**kwargs)
    client.converse(**kwargs)
    assert [c.status for c in sim.calls()[2:]] == [200, 200]
    assert markers(sent[2]) and all("ttl" not in m for m in markers(sent[2]))
    assert bch.get_ledger().records()[-1].cache_read_tokens > 0


def test_a_tool_marker_on_nova(sim: Simulator, client: Any) -> None:
    overrides = {"nova-pro": {"sections": ["tools", "system", "messages"]}}
    kwargs = converse_kwargs(NOVA, tools=True)
    sent, response = _heal_case(sim, client, kwargs, model_overrides=overrides)
    _assert_healed_once(sim, sent, response)
    assert tool_markers(sent[0]) == 1 and tool_markers(sent[1]) == 0
    # learnt: system and message markers still go out, tool markers never again
    client.converse(**kwargs)
    assert sim.calls()[-1].status == 200 and len(sim.calls()) == 3
    assert markers(sent[2]) and tool_markers(sent[2]) == 0


def test_the_resent_body_is_byte_for_byte_the_callers(sim: Simulator, client: Any) -> None:
    kwargs = converse_kwargs(LLAMA)
    plain = Simulator().client()
    plain_sent = wire(plain)
    plain.converse(**kwargs)
    overrides = {"no-cache": {"caching": True, "min_tokens": 0}}
    sent, _ = _heal_case(sim, client, kwargs, model_overrides=overrides)
    assert sent[1].body == plain_sent[0].body
    assert sent[1].headers["Content-Length"] == plain_sent[0].headers["Content-Length"]


def test_invoke_model_bodies_heal_to_the_callers_own_bytes(sim: Simulator, client: Any) -> None:
    body = json.dumps(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 20,
            "system": "You answer questions about the warehouse inventory. " * 120,
            "messages": [{"role": "user", "content": "How many crates?  " * 20}],
        },
        indent=1,  # spaced: any re-serialization would show
    )
    sent = wire(client)
    overrides = {"claude-sonnet-4": {"ttls": ["5m", "1h"]}}
    bch.install(client, ttl="1h", model_overrides=overrides)
    response = client.invoke_model(modelId=SONNET_4, body=body)
    response["body"].read()
    assert [c.status >= 400 for c in sim.calls()] == [True, False]
    marked = json.loads(sent[0].body)
    assert marked["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert sent[1].body == body.encode()
    (record,) = bch.get_ledger().records()
    assert record.healed == "ValidationException"


def test_the_callers_own_invalid_marker_fails_exactly_as_without_the_hook(
    sim: Simulator, client: Any
) -> None:
    kwargs = converse_kwargs(LLAMA)
    kwargs["system"] = [*SYSTEM, {"cachePoint": {"type": "default"}}]
    plain = Simulator().client(config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as without:
        plain.converse(**kwargs)
    bch.install(client)
    with pytest.raises(ClientError) as with_hook:
        client.converse(**kwargs)
    assert with_hook.value.response["Error"] == without.value.response["Error"]
    assert str(with_hook.value) == str(without.value)
    assert len(sim.calls()) == 1  # nothing of ours to take back: no resend
    (record,) = bch.get_ledger().records()
    assert record.healed is None and record.status == "error"


def test_a_rejection_the_callers_markers_share_is_not_learnt(sim: Simulator, client: Any) -> None:
    # the caller's own 1h marker on a 5m-only model; the hook adds its 5m markers too
    kwargs = converse_kwargs(SONNET_4, tools=True)
    kwargs["system"] = [*SYSTEM, {"cachePoint": {"type": "default", "ttl": "1h"}}]
    plain = Simulator().client(config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as without:
        plain.converse(**kwargs)
    sent = wire(client)
    bch.install(client)
    with pytest.raises(ClientError) as with_hook:
        client.converse(**kwargs)
    assert str(with_hook.value) == str(without.value)
    assert with_hook.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert len(sent) == 2 and len(markers(sent[0])) > len(markers(sent[1])) == 1
    # nothing learnt: the next request is marked (and healed) the same way
    with pytest.raises(ClientError):
        client.converse(**kwargs)
    assert len(markers(sent[2])) == len(markers(sent[0]))


def _retry_capacity(client: Any) -> int:
    """The standard retry mode's token bucket (botocore internals, for this test only)."""
    handlers = client.meta.events._emitter._handlers.prefix_search(
        "needs-retry.bedrock-runtime.Converse"
    )
    for handler in handlers:
        owner = getattr(handler, "__self__", None)
        quota = getattr(getattr(owner, "_retry_quota", None), "_quota", None)
        if quota is not None:
            return int(quota.available_capacity)
    raise AssertionError("no standard retry handler registered")


def test_healing_takes_nothing_from_the_retry_quota(sim: Simulator) -> None:
    client = sim.client(config=Config(retries={"max_attempts": 3, "mode": "standard"}))
    before = _retry_capacity(client)
    bch.install(client, model_overrides={"no-cache": {"caching": True, "min_tokens": 0}})
    response = client.converse(**converse_kwargs(LLAMA))
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert len(sim.calls()) == 2
    assert _retry_capacity(client) == before


def test_stubbed_calls_are_never_healed() -> None:
    from botocore.stub import Stubber

    client = Simulator().client()
    bch.install(client, model_overrides={"no-cache": {"caching": True, "min_tokens": 0}})
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ValidationException", "cachePoint is not allowed")
        with pytest.raises(ClientError):
            client.converse(**converse_kwargs(LLAMA))
    (record,) = bch.get_ledger().records()
    assert record.healed is None and record.status == "error"


def test_a_resend_that_fails_on_the_way_is_recorded_as_healed_and_nothing_is_learnt(
    sim: Simulator, client: Any
) -> None:
    from botocore.exceptions import EndpointConnectionError

    attempts: list[int] = []

    def drop_the_resend(request: Any, **_: Any) -> None:
        attempts.append(1)
        if len(attempts) == 2:
            raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register_first("before-send.bedrock-runtime", drop_the_resend)
    bch.install(client, model_overrides={"no-cache": {"caching": True, "min_tokens": 0}})
    with pytest.raises(EndpointConnectionError):
        client.converse(**converse_kwargs(LLAMA))
    (record,) = bch.get_ledger().records()
    assert record.healed == "AccessDeniedException"
    assert record.error_code == "EndpointConnectionError"
    assert record.markers == 0 and record.injected == 0
    # not learnt: the resend never reached the service, so the next call tries markers again
    sent = wire(client)
    client.converse(**converse_kwargs(LLAMA))
    assert markers(sent[0]) and not markers(sent[1])
