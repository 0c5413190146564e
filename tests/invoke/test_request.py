"""InvokeModel request side through real clients: body forms, dialects, what goes on the wire."""

from __future__ import annotations

import copy
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

import bedrock_cache_hook as bch
from bedrock_cache_hook import _guard
from bedrock_cache_hook.testing import invoke_response

from .kit import (
    LLAMA,
    NOVA_PRO,
    SONNET_45,
    anthropic_body,
    cache_controls,
    capture_wire,
    llama_body,
    nova_body,
    sim_client,
    wire_json,
)

EXPECTED = ["tools[11]", "system[0]", "messages[5].content[0]"]


class NonSeekable(io.RawIOBase):
    """A readable stream that cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


def _forms(raw: bytes, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "body.json"
    path.write_bytes(raw)
    shifted = io.BytesIO(b"IGNORED" + raw)
    shifted.seek(7)  # botocore sends from the current position: so must we read
    return {
        "bytes": raw,
        "str": raw.decode(),
        "bytearray": bytearray(raw),
        "bytesio": io.BytesIO(raw),
        "bytesio-at-offset": shifted,
        "file": path.open("rb"),
    }


@pytest.mark.parametrize(
    "form", ["bytes", "str", "bytearray", "bytesio", "bytesio-at-offset", "file"]
)
def test_anthropic_body_in_every_form_gets_markers(form: str, tmp_path: Path) -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    sent = capture_wire(client)
    body = anthropic_body()
    raw = json.dumps(body).encode()
    caller = _forms(raw, tmp_path)[form]
    before = copy.copy(caller) if isinstance(caller, bytes | str | bytearray) else None
    position = caller.tell() if hasattr(caller, "tell") else None

    response = client.invoke_model(modelId=SONNET_45, body=caller)
    assert json.loads(response["body"].read())["type"] == "message"

    on_wire = wire_json(sent[0])  # valid JSON with a correct Content-Length
    assert cache_controls(on_wire) == EXPECTED
    assert on_wire["system"] == [
        {"type": "text", "text": body["system"], "cache_control": {"type": "ephemeral"}}
    ]
    assert on_wire["messages"][5]["content"][0]["text"] == body["messages"][5]["content"]
    assert on_wire["messages"][:5] == body["messages"][:5]  # only the tail was converted
    # written back as the caller wrote it (json.dumps defaults): only the markers differ
    assert sent[0].body == json.dumps(on_wire).encode()
    # the caller's object is unchanged: same value, file at the same position
    if before is not None:
        assert caller == before
    else:
        assert caller.tell() == position
        assert caller.read() == raw
    [record] = bch.get_ledger().records()
    assert (record.operation, record.markers, record.injected) == ("InvokeModel", 3, 3)
    assert record.findings == []
    assert record.cost_usd > 0
    if form == "file":
        caller.close()


def test_unchanged_body_is_the_callers_object() -> None:
    """Audit mode (or nothing to add): the caller's body object goes to botocore as is."""
    seen: list[Any] = []
    bch.install(mode="audit")
    _, client = sim_client()

    def spy(params: dict[str, Any], **_: Any) -> None:
        seen.append(params["body"])

    client.meta.events.register("before-parameter-build.bedrock-runtime", spy)
    body = json.dumps(anthropic_body()).encode()
    client.invoke_model(modelId=SONNET_45, body=body)
    assert seen[0] is body
    [record] = bch.get_ledger().records()
    assert [f.code for f in record.findings] == ["no-marker"]


def test_nova_body_gets_cache_points_in_system_and_messages_only() -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    sent = capture_wire(client)
    body = nova_body()
    client.invoke_model(modelId=NOVA_PRO, body=json.dumps(body))
    on_wire = wire_json(sent[0])
    point = {"type": "default"}
    assert on_wire["system"] == [{**body["system"][0], "cachePoint": point}]
    assert on_wire["toolConfig"] == body["toolConfig"]
    assert on_wire["messages"][-1]["content"] == [
        {**body["messages"][-1]["content"][0], "cachePoint": point}
    ]
    assert "cachePoint" not in json.dumps(on_wire["toolConfig"])
    [record] = bch.get_ledger().records()
    assert (record.markers, record.injected, record.findings) == (2, 2, [])


@pytest.mark.parametrize("as_file", [False, True])
def test_llama_body_goes_out_byte_for_byte(as_file: bool) -> None:
    bch.install(mode="inject")
    _, client = sim_client()
    sent = capture_wire(client)
    raw = llama_body()
    caller = io.BytesIO(raw) if as_file else raw
    client.invoke_model(modelId=LLAMA, body=caller)
    assert sent[0].body is caller  # the caller's own object reached the wire
    if isinstance(caller, io.BytesIO):
        caller.seek(0)
        assert caller.read() == raw
    [record] = bch.get_ledger().records()
    assert (record.markers, record.injected, record.findings) == (0, 0, [])


def test_non_seekable_stream_is_left_alone_with_a_finding() -> None:
    # botocore cannot sign a non-seekable body itself, so a Stubber answers this one
    bch.install(mode="inject")
    _, client = sim_client()
    raw = json.dumps(anthropic_body()).encode()
    stream = NonSeekable(raw)
    with Stubber(client) as stub:
        stub.add_response(
            "invoke_model", invoke_response({}), {"modelId": SONNET_45, "body": stream}
        )
        client.invoke_model(modelId=SONNET_45, body=stream)
    assert stream.read() == raw  # nothing was consumed
    [record] = bch.get_ledger().records()
    assert record.injected == 0
    assert [f.code for f in record.findings] == ["body-unreadable"]  # type: ignore[attr-defined]


def test_non_json_body_is_left_alone_with_a_finding() -> None:
    report = bch.audit("invoke_model", {"modelId": SONNET_45, "body": b"\x00not json"})
    assert [(f.code, f.severity) for f in report.findings] == [("body-not-json", "warning")]
    # a model that cannot cache does not care
    assert bch.audit("invoke_model", {"modelId": LLAMA, "body": b"not json"}).findings == ()


def test_unknown_model_is_left_alone_but_its_markers_are_counted() -> None:
    body = anthropic_body(tools=0)
    body["system"] = [{"type": "text", "text": body["system"], "cache_control": {"type": "x"}}]
    report = bch.audit(
        "invoke_model", {"modelId": "example.unknown-model-v1", "body": body_s(body)}
    )
    assert [f.code for f in report.findings] == ["unknown-model"]
    assert [m.location for m in report.markers] == ["system[0]"]


def body_s(body: Any) -> str:
    return json.dumps(body)


def test_top_level_cache_control_is_an_error_and_never_sent_by_us() -> None:
    body = anthropic_body(cache_control={"type": "ephemeral"})
    report = bch.audit("invoke_model", {"modelId": SONNET_45, "body": body_s(body)})
    assert "top-level-cache-control" in {f.code for f in report.errors}
    bch.install(mode="strict")
    _, client = sim_client()
    with pytest.raises(bch.CacheAuditError, match="top-level-cache-control"):
        client.invoke_model(modelId=SONNET_45, body=body_s(body))


def test_strict_mode_raises_before_sending_an_unmarked_body() -> None:
    bch.install(mode="strict")
    sim, client = sim_client()
    with pytest.raises(bch.CacheAuditError, match="no-marker"):
        client.invoke_model(modelId=SONNET_45, body=body_s(anthropic_body()))
    assert sim.calls() == []


def test_second_call_reads_what_the_first_wrote() -> None:
    bch.install(mode="inject")
    sim, client = sim_client()
    body = body_s(anthropic_body())
    for _ in range(2):
        client.invoke_model(modelId=SONNET_45, body=body)["body"].read()
    first, second = bch.get_ledger().records()
    assert first.cache_write_tokens > 2000
    assert second.cache_read_tokens >= first.cache_write_tokens
    assert second.status == "hit"
    assert [c.cache_read_tokens for c in sim.calls()] == [0, second.cache_read_tokens]


def test_one_hour_ttl_and_beta_from_the_catalog() -> None:
    beta = "extended-cache-ttl-2025-04-11"
    bch.install(
        mode="inject",
        ttl="1h",
        model_overrides={"claude-sonnet-4-5": {"betas": {"ttl-1h": beta}}},
    )
    _, client = sim_client()
    sent = capture_wire(client)
    body = anthropic_body(anthropic_beta=["interleaved-thinking-2025-05-14"])
    client.invoke_model(modelId=SONNET_45, body=body_s(body))
    on_wire = wire_json(sent[0])
    assert on_wire["anthropic_beta"] == ["interleaved-thinking-2025-05-14", beta]
    assert on_wire["tools"][11]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert on_wire["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    # a second pass over what was sent adds nothing (no duplicate beta)
    client.invoke_model(modelId=SONNET_45, body=sent[0].body)
    assert wire_json(sent[1])["anthropic_beta"].count(beta) == 1


def test_no_beta_is_added_for_ga_models() -> None:
    bch.install(mode="inject", ttl="1h")
    _, client = sim_client()
    sent = capture_wire(client)
    client.invoke_model(modelId=SONNET_45, body=body_s(anthropic_body()))
    assert "anthropic_beta" not in wire_json(sent[0])


def test_fail_open_keeps_a_file_body_where_it_was(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _guard.set_reraise(False)
    raw = json.dumps(anthropic_body()).encode()

    def call() -> tuple[bytes, int]:
        _, client = sim_client()
        sent = capture_wire(client)
        stream = io.BytesIO(b"xx" + raw)
        stream.seek(2)
        client.invoke_model(modelId=SONNET_45, body=stream)
        body = sent[0].body
        return (body.read() if hasattr(body, "read") else body), stream.tell()

    plain, _ = call()
    bch.install(mode="inject")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("bedrock_cache_hook._request.check", broken)
    with caplog.at_level(logging.ERROR, logger="bedrock_cache_hook"):
        body, _ = call()
    assert body == plain == raw
    assert "RuntimeError" in caplog.text
    (record,) = bch.get_ledger().records()
    assert [f.code for f in record.findings] == ["request-unread"]  # type: ignore[attr-defined]
