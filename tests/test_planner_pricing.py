"""The planner's pricing rules (issue 10), each on its own, through plan() and a real client."""

from __future__ import annotations

import bedrock_cache_hook as bch
from bedrock_cache_hook.bench.text import filler
from bedrock_cache_hook.request.memory import AnchorStats, PrefixMemory, TailHit
from bedrock_cache_hook.request.planner import Observations, Policy
from bedrock_cache_hook.request.pricing import late_share
from bedrock_cache_hook.sim import Simulator
from tests.test_planner import conversation, placed, prefix

AUTO = Policy(ttl="auto", one_hour_ok=True)
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def _system(marked: list[tuple[int, str | None, str]]) -> list[tuple[int, str | None, str]]:
    return [m for m in marked if m[2] == "system-anchor"]


def test_first_sighting_is_5m_and_the_first_late_gap_moves_to_1h() -> None:
    p = prefix(system=[3000], messages=[("user", [300])])
    assert _system(placed(p, AUTO)) == [(0, None, "system-anchor")]
    seen_once = AnchorStats(requests=1, last_seen=0.0)
    late = Observations(anchor=seen_once, gap=600.0)
    assert _system(placed(p, AUTO, late)) == [(0, "1h", "system-anchor")]
    quick = Observations(anchor=seen_once, gap=60.0)
    assert _system(placed(p, AUTO, quick)) == [(0, None, "system-anchor")]
    # past the hour neither TTL helps; the model or botocore without 1h never gets it
    assert placed(p, AUTO, Observations(anchor=seen_once, gap=4000.0))[0][1] is None
    no_1h = Policy(ttl="auto", one_hour_ok=False)
    assert _system(placed(p, no_1h, late)) == [(0, None, "system-anchor")]


def test_late_share_follows_the_observed_gaps() -> None:
    assert late_share(None) < 0.25
    assert late_share(AnchorStats(requests=1), gap=600.0) > 0.7
    mostly_quick = AnchorStats(requests=41, within_5m=39, within_1h=40)
    assert late_share(mostly_quick) < 0.05


def test_1h_only_where_a_marker_writes() -> None:
    # the system prompt is read from a live entry: its TTL cannot change, so 5m stays
    p = prefix(system=[3000], messages=[("user", [300])])
    read = Observations(anchor=AnchorStats(requests=1), gap=600.0, read_through=0)
    assert _system(placed(p, AUTO, read)) == [(0, None, "system-anchor")]


def test_tails_move_to_1h_when_their_conversations_come_back_late() -> None:
    p = prefix(system=[2000], messages=conversation(6, per_block=2000))
    tail = TailHit(8, 0.0, True)
    often_late = AnchorStats(requests=40, continuations=40, late_continuations=16)
    rarely_late = AnchorStats(requests=40, continuations=40, late_continuations=0)
    kwargs = {"previous_tail": tail, "read_through": 8}
    ttls = {r: t for _, t, r in placed(p, AUTO, Observations(anchor=often_late, **kwargs))}
    assert ttls["tail"] == "1h"
    ttls = {r: t for _, t, r in placed(p, AUTO, Observations(anchor=rarely_late, **kwargs))}
    assert ttls["tail"] is None
    # 1h never follows 5m
    marked = placed(p, AUTO, Observations(anchor=often_late, **kwargs))
    ranks = [1 if t == "1h" else 0 for _, t, _ in marked]
    assert ranks == sorted(ranks, reverse=True)


def test_churn_marks_only_the_tools() -> None:
    p = prefix(tools=[2000], system=[1500], messages=conversation(3, per_block=500))
    assert [r for *_, r in placed(p, obs=Observations(churn=True))] == ["tools-anchor"]
    assert [r for *_, r in placed(p)] == ["tools-anchor", "system-anchor", "tail"]


def test_a_large_first_message_is_marked_at_its_bulk_and_its_end() -> None:
    document = prefix(system=[1500], messages=[("user", [20_000, 300])])
    assert [r for *_, r in placed(document)] == ["system-anchor", "document-anchor", "tail"]
    question = prefix(system=[3000], messages=[("user", [800])])
    # not a document: no anchor inside it; its tail is a bet on the process's first request
    assert [r for *_, r in placed(question)] == ["system-anchor", "tail"]
    seen = Observations(first_messages=(1, 0))
    assert [r for *_, r in placed(question, obs=seen)] == ["system-anchor"]
    # one big block: marked at its end only
    transcript = prefix(system=[1500], messages=[("user", [20_000])])
    assert [r for *_, r in placed(transcript)] == ["system-anchor", "tail"]


def test_an_identical_resend_is_found_as_its_own_previous_tail() -> None:
    memory = PrefixMemory()
    memory.remember(anchor=b"A", tail=b"END", marked_tail=True, now=0.0)
    assert memory.find_previous_tail([(7, b"END")], 300.0, 5.0) == TailHit(7, 0.0, True)


def test_resends_keep_reading_the_whole_prefix_through_a_client() -> None:
    sim = Simulator()
    client = sim.client()
    bch.install(client, mode="inject", ledger=bch.Ledger(), clock=lambda: sim.now)
    shots = [
        {"role": "user", "content": [{"text": filler(600, "u")}]},
        {"role": "assistant", "content": [{"text": filler(300, "a")}]},
    ]
    try:
        for i in range(4):
            question = {"role": "user", "content": [{"text": filler(500, f"q{i}")}]}
            request = {
                "modelId": SONNET_45,
                "system": [{"text": filler(2_000, "s")}],
                "messages": [*shots, question],
            }
            for _ in range(6):
                client.converse(**request)
                sim.advance(5.0)
    finally:
        bch.uninstall(client)
    calls = sim.calls()
    resends = [c for n, c in enumerate(calls) if n % 6]
    # every re-send reads everything the first send of its prompt wrote
    assert all(c.input_tokens == 0 and c.cache_write_tokens == 0 for c in resends)
    assert all(c.cache_read_tokens > 3_000 for c in resends)


def _tail_ttl(marked: list[tuple[int, str | None, str]]) -> str | None:
    return next(t for _, t, r in marked if r == "tail")


def test_a_tails_1h_is_priced_against_the_whole_prefix_it_would_save() -> None:
    """The tail writes 3 blocks (6,000 tokens) of a 24,000-token prefix: its own segment does
    not pay 1h at a 31% chance of a late next turn (0.31 x 1.15 x 6,000 < 0.75 x 6,000), the
    whole prefix a late turn would re-write does."""
    p = prefix(system=[2000], messages=conversation(6, per_block=2000))
    often_late = AnchorStats(requests=40, continuations=40, late_continuations=16)
    # the previous turn's 5m tail is read (blocks 0-8); a late turn would lose all of it
    five = TailHit(8, 990.0, True, hour=False)
    obs = Observations(anchor=often_late, previous_tail=five, read_through=8, now=1000.0)
    assert _tail_ttl(placed(p, AUTO, obs)) == "1h"


def test_a_live_1h_tail_read_keeps_the_next_tail_at_5m() -> None:
    """An earlier turn's 1h entry, read now, already holds blocks 0-8 through a late turn:
    what is left at risk (this tail's own 6,000 tokens) does not pay the 1h premium."""
    p = prefix(system=[2000], messages=conversation(6, per_block=2000))
    often_late = AnchorStats(requests=40, continuations=40, late_continuations=16)
    hour = TailHit(8, 990.0, True, hour=True)
    obs = Observations(anchor=often_late, previous_tail=hour, read_through=8, now=1000.0)
    assert _tail_ttl(placed(p, AUTO, obs)) is None
    # once that entry is past its hour it protects nothing: the tail is priced as above
    expired = Observations(anchor=often_late, previous_tail=hour, read_through=8, now=5000.0)
    assert _tail_ttl(placed(p, AUTO, expired)) == "1h"


def test_a_tail_that_writes_nothing_keeps_its_ttl() -> None:
    """An identical re-send reads its whole prefix: no new entry, so no 1h premium to pay."""
    p = prefix(system=[2000], messages=conversation(6, per_block=2000))
    often_late = AnchorStats(requests=40, continuations=40, late_continuations=16)
    itself = TailHit(11, 990.0, True, hour=False)
    obs = Observations(anchor=often_late, previous_tail=itself, read_through=11, now=1000.0)
    assert all(t is None for _, t, _ in placed(p, AUTO, obs))


def test_memory_falls_back_to_an_older_live_1h_tail_and_refreshes_it() -> None:
    memory = PrefixMemory()
    memory.remember(anchor=b"A", tail=b"T1", marked_tail=True, hour_tail=True, now=0.0)
    memory.remember(anchor=b"A", tail=b"T2", marked_tail=True, now=100.0)
    ends = [(9, b"T2"), (5, b"T1")]  # newest first, as the processor passes them
    # within 5 minutes: the latest tail is live and is what the request reads
    assert memory.find_previous_tail(ends, 3600.0, 200.0) == TailHit(9, 100.0, True)
    # 10 minutes after T2's last use its 5m entry is gone; T1's 1h entry is still there
    hit = memory.find_previous_tail(ends, 3600.0, 800.0)
    assert hit == TailHit(5, 0.0, True, hour=True)
    # reading T1 refreshed it: its hour now runs from 800 s
    late = memory.find_previous_tail([(5, b"T1")], 3600.0, 800.0 + 3500.0)
    assert late is not None and late.seen == 800.0
    assert memory.find_previous_tail([(5, b"T1")], 1e9, 800.0 + 3700.0) == TailHit(
        5, 4300.0, True, hour=True
    )
