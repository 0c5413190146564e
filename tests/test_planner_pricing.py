"""The planner's pricing rules (issue 10), each on its own, through plan() and a real client."""

from __future__ import annotations

import botocore.config
import botocore.exceptions
import botocore.session
import pytest

import bedrock_cache_hook as bch
from bedrock_cache_hook.bench.text import filler
from bedrock_cache_hook.request.dialects import converse
from bedrock_cache_hook.request.memory import AnchorStats, PrefixMemory, TailHit
from bedrock_cache_hook.request.observe import boundary_hashes, observe
from bedrock_cache_hook.request.planner import Observations, Policy
from bedrock_cache_hook.request.pricing import late_share
from bedrock_cache_hook.request.processor import RequestProcessor
from bedrock_cache_hook.settings.fields import Settings
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


def test_a_live_1h_anchor_keeps_the_tail_at_5m() -> None:
    """A 20,000-token system prompt held in a live 1h entry survives a late next turn by
    itself: a tail's 1h premium is priced against the 2,500 message tokens left at risk, and
    does not pay; with the system prompt in a 5m entry the same tail does."""
    p = prefix(system=[20_000], messages=conversation(3, per_block=500))
    late = {"requests": 40, "continuations": 40, "late_continuations": 4, "last_seen": 990.0}
    before = TailHit(3, 990.0, True)
    five = AnchorStats(**late)
    obs = Observations(anchor=five, previous_tail=before, read_through=3, now=1000.0)
    assert _tail_ttl(placed(p, AUTO, obs)) == "1h"
    hour = AnchorStats(**late, hour_index=0, hour_seen=400.0)
    obs = Observations(anchor=hour, previous_tail=before, read_through=3, now=1000.0)
    assert _tail_ttl(placed(p, AUTO, obs)) is None
    # an hour after its last use that entry is gone: the tail is priced as without it
    gone = AnchorStats(**late, hour_index=0, hour_seen=400.0 - 3_600.0)
    obs = Observations(anchor=gone, previous_tail=before, read_through=3, now=1000.0)
    assert _tail_ttl(placed(p, AUTO, obs)) == "1h"


def test_memory_follows_the_stable_prefixs_1h_entry() -> None:
    memory = PrefixMemory()

    def send(now: float, *markers: tuple[int, bool, bool]) -> AnchorStats:
        memory.remember(anchor=b"A", tail=None, marked_tail=False, now=now, anchor_markers=markers)
        held = memory.anchor(b"A")
        assert held is not None
        return held

    # a 5m write makes no 1h entry; a 1h marker on a block read from a live entry neither
    assert send(0.0, (2, False, True)).hour_entry(0.0) == -1
    assert send(60.0, (2, True, False)).hour_entry(60.0) == -1
    # a 1h marker that writes makes one; a 1h marker on its block reads it, an hour from then
    assert send(1_000.0, (2, True, True)).hour_entry(1_000.0) == 2
    held = send(3_000.0, (2, True, False))
    assert held.hour_entry(3_000.0 + 3_500.0) == 2
    assert held.hour_entry(3_000.0 + 3_700.0) == -1
    # a 5m marker on it confirms nothing, nor does a marker elsewhere: the belief lapses
    assert send(4_000.0, (2, False, False), (1, False, False)).hour_seen == 3_000.0
    # a deeper 1h marker that writes moves it; one that reads a deeper 5m entry does not
    assert send(4_100.0, (3, True, False)).hour_index == 2
    assert send(4_200.0, (3, True, True)).hour_index == 3


def test_a_pause_reads_through_the_stable_prefixs_1h_entry() -> None:
    """Ten minutes after its last use, the system prompt's 5m entry is gone but its 1h entry
    is not: observe() says the request reads through it, so what it writes (and the 1h
    premium on it) is the conversation alone."""
    memory = PrefixMemory()
    p = prefix(system=[20_000], messages=conversation(3, per_block=500))
    anchor = p.chain[0]
    memory.remember(
        anchor=anchor, tail=None, marked_tail=False, now=0.0, anchor_markers=[(0, True, True)]
    )
    late, _ = observe(memory, p, 600.0, 3_600.0, boundary_hashes(p))
    assert late.read_through == 0
    gone, _ = observe(memory, p, 4_000.0, 3_600.0, boundary_hashes(p))
    assert gone.read_through is None


def test_a_failed_1h_write_is_not_believed_for_ever() -> None:
    """The request that first asks 1h for the system prompt fails (throttled, then retried by
    the caller): memory had already noted a 1h entry. The hook keeps 1h on what it believes
    held, so the retry writes it at 1h and every burst after a pause still reads it."""
    sim = Simulator()
    client = sim.client(config=botocore.config.Config(retries={"total_max_attempts": 1}))
    bch.install(client, ledger=bch.Ledger(), clock=lambda: sim.now)
    system = [{"text": filler(20_000, "s")}]
    reads = []
    try:
        for n in range(36):
            question = [{"role": "user", "content": [{"text": filler(300, f"q{n}")}]}]
            if n == 6:  # the first request after a pause that asks 1h for the system prompt
                sim.fail_next("throttle")
                with pytest.raises(botocore.exceptions.ClientError):
                    client.converse(modelId=SONNET_45, system=system, messages=question)
            client.converse(modelId=SONNET_45, system=system, messages=question)
            reads.append(sim.last_call().cache_read_tokens)
            sim.advance(30.0 if n % 3 < 2 else 630.0)
    finally:
        bch.uninstall(client)
    assert sum(1 for r in reads[1:] if r < 20_000) <= 2  # the 5m entry lost to the first pause


def test_a_chat_on_a_1h_system_prompt_pays_1h_on_tails_only_for_the_messages_at_risk() -> None:
    """Through a client: the system prompt moves to 1h on its first late gap; the chat after
    it comes back late every other turn. A late turn reads the 1h system prompt whatever the
    tail did, so the tail's 1h premium waits until the messages alone are worth it."""
    sim = Simulator()
    client = sim.client()
    bch.install(client, ledger=bch.Ledger(), clock=lambda: sim.now)
    system = [{"text": filler(20_000, "s")}]
    try:
        opening = [{"role": "user", "content": [{"text": filler(300, "q")}]}]
        client.converse(modelId=SONNET_45, system=system, messages=opening)
        sim.advance(600.0)
        history: list[dict[str, object]] = []
        calls = []
        for turn, gap in enumerate([30.0, 600.0] * 6):
            history = [*history, {"role": "user", "content": [{"text": filler(400, f"u{turn}")}]}]
            client.converse(modelId=SONNET_45, system=system, messages=history)
            calls.append(sim.last_call())
            history = [
                *history,
                {"role": "assistant", "content": [{"text": filler(200, f"a{turn}")}]},
            ]
            sim.advance(gap)
    finally:
        bch.uninstall(client)
    assert calls[0].cache_write_1h_tokens >= 20_000  # the system prompt, at 1h
    # the first late continuation: its tail protects only ~1,600 message tokens, 5m
    assert calls[3].cache_write_1h_tokens == 0
    # every late turn still reads the system prompt from its 1h entry
    assert all(c.cache_read_tokens >= 20_000 for c in calls[1:])
    # and once the history at risk is worth it, the tails do move to 1h
    assert any(c.cache_write_1h_tokens > 0 for c in calls[5:])


def test_a_1h_marker_on_a_block_read_from_a_5m_entry_makes_no_1h_entry() -> None:
    """The processor tells memory which of its anchor markers write at 1h: one on a block
    already held by a live 5m entry reads that entry, which keeps its 5m TTL."""
    service = botocore.session.get_session().get_service_model("bedrock-runtime")
    operation = service.operation_model("Converse")
    processor = RequestProcessor()
    system = [{"text": filler(3_000, "s")}]
    one_hour = Settings(mode="inject", ttl="1h")
    five = Settings(mode="inject", ttl="5m")

    def send(settings: Settings, now: float, turn: int) -> None:
        question = {"role": "user", "content": [{"text": filler(300, f"q{turn}")}]}
        params = {"modelId": SONNET_45, "system": system, "messages": [question]}
        processor.process("Converse", params, operation, settings, now)

    anchor = converse.parse({"system": system}, None)[0].chain[0]
    send(five, 0.0, 0)  # writes the system prompt at 5m
    send(one_hour, 60.0, 1)  # marks it 1h, but reads the live 5m entry
    stats = processor.memory.anchor(anchor)
    assert stats is not None and stats.hour_entry(60.0) == -1
    send(one_hour, 1_000.0, 2)  # that entry expired: the 1h marker writes a 1h entry
    stats = processor.memory.anchor(anchor)
    assert stats is not None and stats.hour_entry(1_000.0 + 3_000.0) == 0
