"""Why did it miss: every reason through the public API, against the simulator."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.config import Config

import bedrock_cache_hook as bch
from bedrock_cache_hook.sim import LatencyModel, Simulator

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
CACHE_POINT = {"cachePoint": {"type": "default"}}
SYSTEM = [{"text": "You are the on-call assistant for the payments platform team. " * 150}]
TOOLS = [
    {
        "toolSpec": {
            "name": f"runbook_{i}",
            "description": f"Open runbook number {i} of the payments platform. " * 25,
            "inputSchema": {"json": {"type": "object", "properties": {"q": {"type": "string"}}}},
        }
    }
    for i in range(4)
]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"text": text}]}


def history(turns: int, question: str = "What failed in deploy") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(turns):
        out.append(user(f"{question} {i}? Give the details of the failure. " * 8))
        if i < turns - 1:
            out.append(assistant(f"Deploy {i} failed on a missing migration."))
    return out


def hooked(sim: Simulator | None = None, **settings: Any) -> tuple[Simulator, Any]:
    sim = sim or Simulator()
    client = sim.client(config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    bch.install(client, clock=lambda: sim.now, **settings)
    return sim, client


def last() -> Any:
    return bch.get_ledger().records()[-1]


def test_cold_then_a_continued_conversation_has_no_reason_then_ttl_expired() -> None:
    sim, client = hooked()
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))
    first = last()
    assert (first.status, first.miss_reason) == ("miss", "cold")
    assert first.missed_read_tokens == first.cache_write_tokens > 0
    assert first.miss_cost_usd > 0
    sim.advance(60)
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(2))
    assert (last().status, last().miss_reason, last().miss_cost_usd) == ("hit", None, 0.0)
    sim.advance(301)
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(3))
    expired = last()
    assert expired.status == "miss" and expired.miss_reason == "ttl_expired"
    assert expired.miss_detail == pytest.approx(301, abs=1)
    assert expired.missed_read_tokens > 0 and expired.miss_cost_usd > 0


def test_a_timestamp_in_the_system_prompt_is_system_changed_with_one_churn_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim, client = hooked()
    with caplog.at_level(logging.WARNING, logger="bedrock_cache_hook"):
        for i in range(8):
            system = [
                {"text": f"Current time: 2026-12-02T10:{i:02d}:00Z."},
                *SYSTEM,
            ]
            client.converse(modelId=SONNET, system=system, messages=history(1, f"Q{i}"))
            sim.advance(30)
    records = bch.get_ledger().records()
    assert records[0].miss_reason == "cold"
    assert [(r.miss_reason, r.miss_detail) for r in records[1:]] == [("system_changed", 0)] * 7
    churn = [r for r in caplog.records if "changes on most calls" in r.getMessage()]
    assert len(churn) == 1
    assert "system[0]" in churn[0].getMessage()


def _churn_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "changes on most calls" in r.getMessage()]


def test_tenants_prompts_in_turn_are_no_churn(caplog: pytest.LogCaptureFixture) -> None:
    """Ten tenants' system prompts round-robin: each is new on its first call, as a changing
    prompt would be, but they come back; with no per-call-looking value in them, the hook
    waits for that before it calls it churn."""
    sim, client = hooked()
    tenants = [[{"text": f"You answer for tenant {k} of the platform. " * 150}] for k in range(10)]
    with caplog.at_level(logging.WARNING, logger="bedrock_cache_hook"):
        for r in range(6):
            for k, system in enumerate(tenants):
                client.converse(modelId=SONNET, system=system, messages=history(1, f"Q{k}-{r}"))
                sim.advance(33)
    assert _churn_warnings(caplog) == []
    assert bch.get_ledger().records()[0].miss_reason == "cold"


def test_a_prompt_new_on_every_call_without_a_timestamp_warns_once_after_20_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Per-call content with nothing that looks per-call (a retrieved passage) is churn too,
    judged on more calls."""
    sim, client = hooked()
    warned_at = []
    with caplog.at_level(logging.WARNING, logger="bedrock_cache_hook"):
        for i in range(30):
            passage = " ".join(f"passage{i}word{j}" for j in range(40))
            system = [{"text": passage}, *SYSTEM]
            client.converse(modelId=SONNET, system=system, messages=history(1, f"Q{i}"))
            sim.advance(30)
            if _churn_warnings(caplog) and not warned_at:
                warned_at.append(i)
    churn = _churn_warnings(caplog)
    assert len(churn) == 1 and "system[0]" in churn[0]
    # the 21st call is the 20th compared with an earlier one
    assert warned_at == [20]


def test_reordered_tools_are_tools_changed() -> None:
    _, client = hooked()
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1), toolConfig={"tools": TOOLS})
    reordered = [TOOLS[1], TOOLS[0], *TOOLS[2:]]
    client.converse(
        modelId=SONNET, system=SYSTEM, messages=history(1), toolConfig={"tools": reordered}
    )
    assert (last().miss_reason, last().miss_detail) == ("tools_changed", 0)
    assert last().status == "miss" and last().missed_read_tokens > 0


def test_history_rewritten_at_message_3_is_messages_changed() -> None:
    _, client = hooked()
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(3))
    rewritten = history(3)
    rewritten[3] = assistant("A summary of what happened so far, written by a compactor.")
    rewritten.append(assistant("More."))
    rewritten.append(user("And now?"))
    client.converse(modelId=SONNET, system=SYSTEM, messages=rewritten)
    record = last()
    # the system prompt is read (a hit), the cached history after message 3 is not
    assert record.cache_read_tokens > 0
    assert (record.miss_reason, record.miss_detail) == ("messages_changed", 3)
    assert record.missed_read_tokens > 0


def test_two_overlapping_identical_requests_are_a_concurrent_write() -> None:
    sim = Simulator(latency=LatencyModel(base_ms=1500.0), time_scale=1.0)
    _, client = hooked(sim)
    start = threading.Barrier(2)

    def send(_: int) -> None:
        start.wait()
        client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(send, range(2)))
    reasons = sorted(r.miss_reason or "" for r in bch.get_ledger().records())
    assert reasons == ["cold", "concurrent_write"]


def test_a_prefix_under_the_minimum_is_below_minimum() -> None:
    _, client = hooked()
    for _ in range(2):
        client.converse(modelId=SONNET, messages=[user("Short question?")])
    assert [r.miss_reason for r in bch.get_ledger().records()] == ["below_minimum"] * 2
    assert all(r.missed_read_tokens == 0 for r in bch.get_ledger().records())


def test_audit_mode_says_no_marker_with_what_a_marker_would_have_read() -> None:
    _, client = hooked(mode="audit")
    for turns in (1, 2):
        client.converse(modelId=SONNET, system=SYSTEM, messages=history(turns))
    records = bch.get_ledger().records()
    assert [r.miss_reason for r in records] == ["no_marker", "no_marker"]
    assert records[0].missed_read_tokens == 0  # nothing seen before
    assert records[1].missed_read_tokens > 0 and records[1].miss_cost_usd > 0


def test_the_planners_reasons_for_markers_it_did_not_place_are_on_the_record() -> None:
    _, client = hooked()
    client.converse(modelId=SONNET, messages=[user("Short question?")])
    assert last().plan_notes and all(isinstance(n, str) for n in last().plan_notes)


def test_the_summary_adds_up_by_reason_overall_and_per_model() -> None:
    sim, client = hooked()
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))
    sim.advance(400)
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(2))
    client.converse(modelId=SONNET, messages=[user("Short question?")])
    records = bch.get_ledger().records()
    summary = bch.get_ledger().summary()
    assert set(summary.by_reason) == {"cold", "ttl_expired", "below_minimum"}
    for reason, totals in summary.by_reason.items():
        mine = [r for r in records if r.miss_reason == reason]
        assert totals.calls == len(mine)
        assert totals.missed_read_tokens == sum(r.missed_read_tokens for r in mine)
        assert totals.miss_cost_usd == pytest.approx(sum(r.miss_cost_usd for r in mine))
    assert summary.miss_cost_usd == pytest.approx(sum(r.miss_cost_usd for r in records))
    assert summary.by_model[SONNET].by_reason == summary.by_reason


def test_the_callers_own_rejected_marker_is_marker_rejected() -> None:
    from botocore.exceptions import ClientError

    _, client = hooked()
    bad = [*SYSTEM, {"cachePoint": {"type": "default"}}]
    with pytest.raises(ClientError):
        client.converse(modelId="meta.llama3-3-70b-instruct-v1:0", system=bad, messages=history(1))
    assert (last().status, last().miss_reason) == ("error", "marker_rejected")


def test_a_healed_call_says_healed() -> None:
    _, client = hooked(model_overrides={"no-cache": {"caching": True, "min_tokens": 0}})
    client.converse(modelId="meta.llama3-3-70b-instruct-v1:0", system=SYSTEM, messages=history(1))
    assert last().miss_reason == "healed"


def _grown(turns: int) -> list[dict[str, Any]]:
    """A history whose messages are estimated with another bias than the tools' JSON (log
    lines, numbers): the call's overall estimate-to-token ratio drifts as it grows."""
    out: list[dict[str, Any]] = []
    for i in range(turns):
        lines = " ".join(f"2026-12-02 10:{i % 60:02d}:{j:02d} id={i * 97 + j}" for j in range(60))
        out.append(user(f"Logs of step {i}: {lines}"))
        out.append(assistant(f"Step {i} read."))
    out.append(user("What next?"))
    return out


def test_a_timestamp_stays_system_changed_as_a_long_history_skews_the_estimates() -> None:
    """Only the tools come back; each call reads them whole. A read is compared with the
    size Bedrock reported for that prefix, not with an estimate scaled by the whole call."""
    sim, client = hooked()
    for i in range(24):
        system = [{"text": f"Current time: 2026-12-02T10:{i:02d}:00Z."}, *SYSTEM]
        client.converse(
            modelId=SONNET, system=system, messages=_grown(i), toolConfig={"tools": TOOLS * 3}
        )
        sim.advance(20)
    records = bch.get_ledger().records()
    assert records[0].miss_reason == "cold"
    assert {r.miss_reason for r in records[1:]} == {"system_changed"}
    assert len({r.cache_read_tokens for r in records[2:]}) == 1  # the tools, every time


def test_a_5m_tail_expired_behind_a_live_1h_prefix_is_ttl_expired_for_the_tail() -> None:
    """The caller marks a long system prompt 1h and the short tail 5m; after 10 minutes the
    system prompt is read and the tail is not: most of the prefix read, yet a miss of the
    tail, with the tail's tokens."""
    sim, client = hooked(mode="audit")
    system = [{"text": "You are the on-call assistant for the payments platform team. " * 900}]
    marked = [*system, {"cachePoint": {"type": "default", "ttl": "1h"}}]

    def ask(turns: int) -> Any:
        messages = history(turns)
        messages[-1] = {**messages[-1], "content": [*messages[-1]["content"], CACHE_POINT]}
        client.converse(modelId=SONNET, system=marked, messages=messages)
        return last()

    first = ask(1)
    sim.advance(60)
    second = ask(2)
    assert second.miss_reason is None and second.cache_read_tokens == first.cache_write_tokens
    sim.advance(600)
    third = ask(3)
    tail = second.cache_read_tokens + second.cache_write_tokens - third.cache_read_tokens
    assert third.cache_read_tokens > 0.9 * (third.cache_read_tokens + tail)
    assert (third.miss_reason, third.missed_read_tokens) == ("ttl_expired", tail)
    assert third.miss_detail == pytest.approx(600, abs=1)


def test_a_nova_conversation_past_the_cap_on_cached_tokens_keeps_reading_the_cap() -> None:
    """Past Nova's 20K cap a marker caches nothing. The cap is placed in estimated tokens by
    what earlier responses reported, so the tail stays on a prefix that was written and
    every later turn reads it; the memory keeps only what the usage says was written, so
    no miss is put down to an "unknown" reason."""
    sim, client = hooked()
    messages: list[dict[str, Any]] = []
    for i in range(40):
        messages = [*messages, user(f"Step {i}: what the tool printed. " * 60)]
        client.converse(modelId=NOVA, system=SYSTEM, messages=messages)
        messages = [*messages, assistant(f"Step {i} done.")]
        sim.advance(10)
    records = bch.get_ledger().records()
    past_the_cap = records[-8:]
    assert all(r.input_tokens + r.cache_read_tokens > 20_000 for r in past_the_cap)
    assert all(r.cache_read_tokens > 0.9 * 20_000 for r in past_the_cap)
    assert {r.miss_reason for r in past_the_cap} == {None}
    assert "unknown" not in {r.miss_reason for r in records}


def test_a_prefix_the_memory_had_forgotten_and_read_again_still_expires_as_ttl_expired() -> None:
    """The diagnosis memory is bounded: a re-send after its entry was trimmed reads the
    prefix with nothing written, and that prefix is what Bedrock holds from then on."""
    sim, client = hooked(diagnosis_capacity=2)
    other = [{"text": "You review pull requests for the storage team. " * 150}]
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))
    client.converse(modelId=SONNET, system=other, messages=history(1))  # trims the first
    sim.advance(30)
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))
    assert last().status == "hit" and last().cache_write_tokens == 0
    sim.advance(301)
    client.converse(modelId=SONNET, system=SYSTEM, messages=history(1))
    assert (last().status, last().miss_reason) == ("miss", "ttl_expired")
    assert last().miss_detail == pytest.approx(301, abs=1)
