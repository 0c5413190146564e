"""The planner as a pure function over abstract prefixes (no wire format)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bedrock_cache_hook.catalog import PRICES, resolve
from bedrock_cache_hook.request.memory import AnchorStats, PrefixMemory, TailHit
from bedrock_cache_hook.request.planner import Observations, Policy, break_even, plan
from bedrock_cache_hook.request.prefix import Block, Marker, Prefix, digest

SONNET = resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0").spec
NOVA = resolve("amazon.nova-pro-v1:0").spec
assert SONNET is not None and NOVA is not None

Msg = tuple[str, Sequence[int]]


def prefix(
    tools: Sequence[int] = (),
    system: Sequence[int] = (),
    messages: Sequence[Msg] = (),
    markers: Sequence[tuple[int, str | None]] = (),
    kinds: dict[int, str] | None = None,
) -> Prefix:
    blocks: list[Block] = []
    for i, tokens in enumerate(tools):
        blocks.append(Block("tools", (i,), "toolSpec", tokens, digest(b"t%d" % i)))
    for i, tokens in enumerate(system):
        blocks.append(Block("system", (i,), "text", tokens, digest(b"s%d" % i)))
    for m, (role, contents) in enumerate(messages):
        for c, tokens in enumerate(contents):
            blocks.append(
                Block("messages", (m, c), "text", tokens, digest(b"m%d.%d" % (m, c)), role=role)
            )
    for index, kind in (kinds or {}).items():
        old = blocks[index]
        blocks[index] = Block(
            old.section, old.path, kind, old.tokens, old.digest, False, role=old.role
        )
    marks = tuple(
        Marker(blocks[a].section if a >= 0 else "system", (0,), a, ttl) for a, ttl in markers
    )
    return Prefix(tuple(blocks), marks)


def conversation(turns: int, per_block: int = 50) -> list[Msg]:
    out: list[Msg] = []
    for i in range(turns):
        out.append(("user", [per_block]))
        if i < turns - 1:
            out.append(("assistant", [per_block]))
    return out


def placed(
    p: Prefix, policy: Policy = Policy(), obs: Observations = Observations(), spec=SONNET
) -> list[tuple[int, str | None, str]]:  # type: ignore[no-untyped-def]
    result = plan(p, spec, policy, obs, PRICES.get(spec.family))
    return [(m.after, m.ttl, m.reason) for m in result.add]


def test_anchors_and_tail_on_a_conversation() -> None:
    p = prefix(tools=[600, 600], system=[1500], messages=conversation(3))
    assert placed(p) == [(1, None, "tools-anchor"), (2, None, "system-anchor"), (7, None, "tail")]


def test_only_where_the_cumulative_prefix_reaches_the_minimum() -> None:
    p = prefix(tools=[100], system=[500], messages=conversation(3, per_block=100))
    # tools end 100, system end 600 (< 1024): only the tail (1100 cumulative) qualifies
    assert placed(p) == [(6, None, "tail")]
    tiny = prefix(system=[10], messages=conversation(2, per_block=10))
    assert placed(tiny) == []


def test_lone_first_message_gets_a_tail_unless_the_process_learnt_they_are_one_shot() -> None:
    p = prefix(system=[2000], messages=[("user", [300])])
    # nothing learnt anywhere: a conversation's first turn is worth its small premium
    assert placed(p) == [(0, None, "system-anchor"), (1, None, "tail")]
    # across other prefixes, 5 lone first messages and none continued: one-shot traffic
    one_shot_process = Observations(first_messages=(5, 0))
    assert placed(p, obs=one_shot_process) == [(0, None, "system-anchor")]
    assert "tail-unproven" in plan(p, SONNET, Policy(), one_shot_process).notes
    chatty_process = Observations(first_messages=(5, 4))
    assert placed(p, obs=chatty_process)[-1] == (1, None, "tail")
    # tools on offer: a tool loop goes on, whatever other prefixes did
    with_tools = prefix(tools=[600, 600], system=[1500], messages=[("user", [300])])
    assert placed(with_tools, obs=one_shot_process)[-1][2] == "tail"
    # this prefix's own record decides once it has one
    learnt = Observations(anchor=AnchorStats(requests=10, continued=8, within_5m=9))
    assert placed(p, obs=learnt) == [(0, None, "system-anchor"), (1, None, "tail")]
    one_shot = Observations(anchor=AnchorStats(requests=10, continued=1, within_5m=9))
    assert placed(p, obs=one_shot) == [(0, None, "system-anchor")]


def test_a_big_lone_first_question_is_a_bet_only_on_the_process_first_request() -> None:
    # a question most of the size of the system prompt: maybe a one-shot task
    p = prefix(system=[2000], messages=[("user", [1500])])
    assert placed(p) == [(0, None, "system-anchor"), (1, None, "tail")]
    # one first message seen, not (yet) continued: no more bets
    assert placed(p, obs=Observations(first_messages=(1, 0))) == [(0, None, "system-anchor")]
    assert placed(p, obs=Observations(first_messages=(2, 0))) == [(0, None, "system-anchor")]
    # the process's first messages were continued: its chats go on, whatever the size
    assert placed(p, obs=Observations(first_messages=(1, 1)))[-1] == (1, None, "tail")
    assert placed(p, obs=Observations(first_messages=(8, 3)))[-1] == (1, None, "tail")
    assert placed(p, obs=Observations(first_messages=(8, 1))) == [(0, None, "system-anchor")]
    # bigger than the system prompt: a task's payload, never a bet
    payload = prefix(system=[1500], messages=[("user", [2000])])
    assert placed(payload) == [(0, None, "system-anchor")]
    assert placed(payload, obs=Observations(first_messages=(4, 4)))[-1] == (1, None, "tail")


def test_canned_history_stops_getting_tails_once_learnt_one_shot() -> None:
    p = prefix(system=[2000], messages=conversation(3))
    assert [r for *_, r in placed(p)] == ["system-anchor", "tail"]
    learnt = Observations(anchor=AnchorStats(requests=5, continued=0, within_5m=4))
    assert [r for *_, r in placed(p, obs=learnt)] == ["system-anchor"]


def test_verified_continuation_always_gets_the_tail() -> None:
    p = prefix(system=[2000], messages=conversation(2))
    obs = Observations(
        previous_tail=TailHit(1, 0.0, True),
        anchor=AnchorStats(requests=10, continued=0, within_5m=9),
    )
    assert [r for *_, r in placed(p, obs=obs)] == ["system-anchor", "tail"]


def test_tail_policies() -> None:
    p = prefix(system=[2000], messages=[("user", [300])])
    assert [r for *_, r in placed(p, Policy(tail="always"))] == ["system-anchor", "tail"]
    q = prefix(system=[2000], messages=conversation(3))
    assert [r for *_, r in placed(q, Policy(tail="never"))] == ["system-anchor"]


def test_nova_tail_is_free_so_always_marked_and_no_tools() -> None:
    p = prefix(tools=[1500], system=[1500], messages=[("user", [100])])
    assert placed(p, spec=NOVA) == [(1, None, "system-anchor"), (2, None, "tail")]
    assert break_even(PRICES["nova-pro"]) == 0.0
    assert break_even(PRICES["claude-sonnet-4-5"]) == pytest.approx(0.25 / 0.9)


def test_previous_tail_after_wide_fan_out() -> None:
    # previous request ended at block 3; 24 tool-result blocks were appended since
    messages: list[Msg] = [("user", [100]), ("assistant", [50] * 12), ("user", [50] * 12)]
    p = prefix(system=[2000], messages=messages)
    obs = Observations(previous_tail=TailHit(1, 0.0, True))
    assert placed(p, obs=obs) == [
        (0, None, "system-anchor"),
        (1, None, "previous-tail"),
        (25, None, "tail"),
    ]
    near = Observations(previous_tail=TailHit(20, 0.0, True))
    assert [r for *_, r in placed(p, obs=near)] == ["system-anchor", "tail"]
    unmarked = Observations(previous_tail=TailHit(1, 0.0, False))
    assert [r for *_, r in placed(p, obs=unmarked)] == ["system-anchor", "tail"]


def test_nova_marks_the_previous_tail_at_any_distance() -> None:
    p = prefix(system=[1500], messages=conversation(2))
    obs = Observations(previous_tail=TailHit(1, 0.0, True))
    assert [r for *_, r in placed(p, obs=obs, spec=NOVA)] == [
        "system-anchor",
        "previous-tail",
        "tail",
    ]


@pytest.mark.parametrize("caller", [0, 1, 2, 3, 4, 5])
def test_budget_counts_caller_markers_and_never_moves_them(caller: int) -> None:
    p = prefix(
        tools=[1200],
        system=[1500],
        messages=conversation(6),
        markers=[(3 + i, None) for i in range(caller)],
    )
    result = plan(p, SONNET, Policy(), Observations(), PRICES["claude-sonnet-4-5"])
    assert len(result.add) <= max(0, 4 - caller)
    assert len(result.add) + caller <= max(4, caller)
    assert not {m.after for m in result.add} & {3 + i for i in range(caller)}


def test_caller_marker_at_a_candidate_counts_and_is_not_doubled() -> None:
    p = prefix(system=[2000], messages=conversation(2), markers=[(0, None)])
    assert placed(p) == [(3, None, "tail")]


@pytest.mark.parametrize("kind", ["reasoning", "document"])
def test_never_after_reasoning_or_non_pdf_document(kind: str) -> None:
    p = prefix(
        system=[2000], messages=[("user", [100]), ("assistant", [100, 100])], kinds={3: kind}
    )
    # the assistant's last block may not carry a marker: the tail moves back to block 2
    assert placed(p) == [(0, None, "system-anchor"), (2, None, "tail")]


def test_ttl_1h_and_auto() -> None:
    p = prefix(tools=[1200], system=[1500], messages=conversation(2))
    assert placed(p, Policy(ttl="1h", one_hour_ok=True)) == [
        (0, "1h", "tools-anchor"),
        (1, "1h", "system-anchor"),
        (4, None, "tail"),
    ]
    # 1h asked, but the model or botocore cannot: stay on the default
    assert {ttl for _, ttl, _ in placed(p, Policy(ttl="1h", one_hour_ok=False))} == {None}
    auto = Policy(ttl="auto", one_hour_ok=True)
    short_gaps = Observations(anchor=AnchorStats(requests=5, continued=4, within_5m=4, within_1h=4))
    long_gaps = Observations(anchor=AnchorStats(requests=5, continued=4, within_5m=0, within_1h=4))
    assert {ttl for _, ttl, _ in placed(p, auto, short_gaps)} == {None}
    assert [ttl for _, ttl, _ in placed(p, auto, long_gaps)] == ["1h", "1h", None]


def test_ttl_never_increases_after_a_callers_5m_marker() -> None:
    p = prefix(tools=[1200], system=[1500], messages=conversation(2), markers=[(0, None)])
    assert placed(p, Policy(ttl="1h", one_hour_ok=True)) == [
        (1, None, "system-anchor"),
        (4, None, "tail"),
    ]


def test_ttl_before_a_callers_1h_marker_is_raised_to_1h() -> None:
    p = prefix(tools=[1200], system=[1500], messages=conversation(2), markers=[(1, "1h")])
    assert placed(p, Policy(ttl="5m", one_hour_ok=True))[0] == (0, "1h", "tools-anchor")


def test_model_that_cannot_cache_gets_nothing() -> None:
    llama = resolve("meta.llama3-3-70b-instruct-v1:0").spec
    assert llama is not None
    assert placed(prefix(system=[5000], messages=conversation(3)), spec=llama) == []


def test_unused_anchors_are_marked_from_their_second_sighting() -> None:
    p = prefix(system=[2000], messages=conversation(2))
    obs = Observations(anchors_mostly_unused=True)
    assert [r for *_, r in placed(p, obs=obs)] == ["tail"]
    seen = Observations(anchors_mostly_unused=True, anchor=AnchorStats(requests=1))
    assert [r for *_, r in placed(p, obs=seen)] == ["system-anchor", "tail"]


def test_memory_counts_every_return_of_a_prefix_and_expires() -> None:
    memory = PrefixMemory(capacity=100)
    memory.remember(anchor=b"A", tail=b"T1", marked_tail=True, now=0.0)
    hit = memory.find_previous_tail([(5, b"T1")], max_age=3600, now=100.0)
    assert hit == TailHit(5, 0.0, True)
    # a second request on the same tail (a re-send, a parallel call) is reuse too
    memory.find_previous_tail([(5, b"T1")], max_age=3600, now=120.0)
    # and one 10 minutes later is a late continuation
    memory.find_previous_tail([(5, b"T1")], max_age=3600, now=600.0)
    stats = memory.anchor(b"A")
    assert stats is not None and (stats.requests, stats.continued) == (1, 3)
    assert (stats.continuations, stats.late_continuations) == (3, 1)
    assert memory.find_previous_tail([(5, b"T1")], max_age=3600, now=4000.0) is None
    memory.remember(anchor=b"A", tail=b"T2", marked_tail=False, now=700.0)
    stats = memory.anchor(b"A")
    assert stats is not None and stats.longest_gap == 700.0


def test_memory_is_bounded() -> None:
    memory = PrefixMemory(capacity=10)
    for i in range(100):
        memory.remember(anchor=b"A%d" % i, tail=b"T%d" % i, marked_tail=True, now=float(i))
    assert memory.find_previous_tail([(0, b"T0")], 1e9, 100.0) is None
    assert memory.find_previous_tail([(0, b"T99")], 1e9, 100.0) is not None
    assert memory.anchors_mostly_unused()


def test_shared_message_prefix_becomes_an_anchor() -> None:
    # few-shot turns (blocks 1..6) shared by earlier requests, then a fresh question
    p = prefix(system=[300], messages=[*conversation(3, per_block=250)[:-1], ("user", [600])])
    obs = Observations(shared_boundary=4, anchor=AnchorStats(requests=5, continued=0))
    assert placed(p, obs=obs) == [(4, None, "shared-prefix")]
    # a request that continues an earlier one keeps the shared anchor marked beside its tail:
    # its read then refreshes the shared entry, which a new conversation needs later
    cont = Observations(shared_boundary=4, previous_tail=TailHit(4, 0.0, True))
    assert [r for *_, r in placed(p, obs=cont)] == ["shared-prefix", "tail"]


def test_memory_reports_the_deepest_shared_boundary() -> None:
    memory = PrefixMemory()
    memory.remember(
        anchor=None,
        tail=b"Q1",
        marked_tail=False,
        now=0.0,
        boundaries=([3, 6], [b"B1", b"B2"], [b"x1", b"x2"]),
    )
    # B2 followed by something else than before: shared by different requests
    assert memory.shared_boundary([3, 6, 9], [b"B1", b"B2", b"B9"], [b"y1", b"y2", b"y"]) == 6
    # the same request again (same content after each boundary): nothing is shared
    assert memory.shared_boundary([3, 6], [b"B1", b"B2"], [b"x1", b"x2"]) is None
    assert memory.shared_boundary([9], [b"B9"], [b"y"]) is None
    memory.remember(
        anchor=None, tail=b"Q2", marked_tail=False, now=1.0, boundaries=([3], [b"B1"], [b"other"])
    )
    assert memory.shared_boundary([3], [b"B1"], [b"x1"]) == 3  # diverged once: stays shared


def test_anchors_stop_when_reuse_comes_slower_than_the_ttl() -> None:
    p = prefix(system=[2000], messages=[("user", [300])])
    slow = Observations(anchor=AnchorStats(requests=6, within_5m=0, within_1h=5))
    assert placed(p, obs=slow) == []
    assert (
        "anchor-reused-too-slowly"
        in plan(p, SONNET, Policy(), slow, PRICES["claude-sonnet-4-5"]).notes
    )
    # where 1h is allowed, "auto" keeps the anchor with a 1h TTL instead
    assert placed(p, Policy(ttl="auto", one_hour_ok=True), slow) == [(0, "1h", "system-anchor")]
    # reuse within the hour but rarer than break-even for 1h writes: no anchor either
    rare = Observations(anchor=AnchorStats(requests=11, within_5m=0, within_1h=3))
    assert placed(p, Policy(ttl="auto", one_hour_ok=True), rare) == []
    # Nova writes cost nothing extra: its anchors stay
    assert [r for *_, r in placed(p, obs=slow, spec=NOVA)] == ["system-anchor", "tail"]


def test_tail_marked_only_if_the_tail_marker_survived_the_budget() -> None:
    p = prefix(
        tools=[1200], system=[1500], messages=conversation(3), markers=[(3, None), (4, None)]
    )
    result = plan(p, SONNET, Policy(tail="always"), Observations(), PRICES["claude-sonnet-4-5"])
    assert [m.reason for m in result.add] == ["tools-anchor", "system-anchor"]
    assert result.tail_marked is False
    assert "over-budget" in result.notes


def test_previous_tail_walks_back_to_the_block_that_carried_the_marker() -> None:
    # the previous request's last message ended with a reasoning block (unmarkable)
    messages: list[Msg] = [("user", [100, 100]), ("assistant", [50] * 12), ("user", [50] * 12)]
    p = prefix(system=[2000], messages=messages, kinds={2: "reasoning"})
    obs = Observations(previous_tail=TailHit(2, 0.0, True))
    assert (1, None, "previous-tail") in placed(p, obs=obs)
