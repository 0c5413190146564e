"""Inject mode pays for itself: costs on the simulator, with and without the hook."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bedrock_cache_hook.demo import workloads

Shape = Callable[[], Iterator[workloads.Call]]

ONE_SHOT: list[tuple[str, Shape]] = [
    ("shared system", lambda: workloads.one_shot(15)),
    (
        "tiny system, big questions",
        lambda: workloads.one_shot(15, system_words=50, question_words=1500),
    ),
    ("canned history", lambda: workloads.canned_history(15)),
]
CONTINUED: list[tuple[str, Shape]] = [
    ("chats", lambda: workloads.conversations(3, 6)),
    ("fan-out agent", lambda: workloads.fan_out_agent(6)),
]


@pytest.mark.parametrize(("name", "shape"), ONE_SHOT, ids=[n for n, _ in ONE_SHOT])
def test_one_shot_traffic_never_costs_more_than_no_caching(name: str, shape: Shape) -> None:
    base = workloads.cost_of(shape(), None)
    adaptive = workloads.cost_of(shape(), {"mode": "inject"})
    always = workloads.cost_of(shape(), {"mode": "inject", "tail_policy": "always"})
    assert adaptive <= base * (1 + 1e-9)
    assert adaptive <= always * (1 + 1e-9)


def test_unread_tails_are_what_costs_more_without_the_adaptive_rule() -> None:
    shape = lambda: workloads.one_shot(15, system_words=50, question_words=1500)  # noqa: E731
    base = workloads.cost_of(shape(), None)
    always = workloads.cost_of(shape(), {"mode": "inject", "tail_policy": "always"})
    assert always > base * 1.2  # every tail written at +25% and never read


@pytest.mark.parametrize(("name", "shape"), CONTINUED, ids=[n for n, _ in CONTINUED])
def test_continued_traffic_stays_near_always_marking(name: str, shape: Shape) -> None:
    base = workloads.cost_of(shape(), None)
    adaptive = workloads.cost_of(shape(), {"mode": "inject"})
    always = workloads.cost_of(shape(), {"mode": "inject", "tail_policy": "always"})
    assert adaptive < base * 0.5
    assert adaptive <= always * 1.03


def test_marking_the_tail_is_what_makes_an_agent_cheap() -> None:
    hooked = workloads.cost_of(workloads.fan_out_agent(6), {"mode": "inject"})
    anchors_only = workloads.cost_of(
        workloads.fan_out_agent(6), {"mode": "inject", "tail_policy": "never"}
    )
    assert hooked < anchors_only * 0.6


@pytest.mark.parametrize(
    "shape",
    [lambda: workloads.one_shot(15, gap=600.0), lambda: workloads.conversations(3, 5, gap=600.0)],
    ids=["one-shot", "chats"],
)
def test_traffic_slower_than_the_ttl_stops_paying_write_premiums(shape: Shape) -> None:
    base = workloads.cost_of(shape(), None)
    adaptive = workloads.cost_of(shape(), {"mode": "inject"})
    five = workloads.cost_of(shape(), {"mode": "inject", "ttl": "5m"})
    always = workloads.cost_of(shape(), {"mode": "inject", "tail_policy": "always", "ttl": "5m"})
    assert adaptive <= base * 1.06  # at most the first sighting's write pays
    assert five <= base * 1.06  # only the 3-request learning period pays
    assert always > base * 1.2


def test_gaps_between_5_minutes_and_an_hour_move_to_1h_on_the_first_one() -> None:
    shape = lambda: workloads.one_shot(15, gap=600.0)  # noqa: E731
    base = workloads.cost_of(shape(), None)
    five = workloads.cost_of(shape(), {"mode": "inject", "ttl": "5m"})
    auto = workloads.cost_of(shape(), {"mode": "inject"})
    one_hour = workloads.cost_of(shape(), {"mode": "inject", "ttl": "1h"})
    assert five > base * 0.98  # 5m entries never survive a 10-minute gap
    assert auto < base * 0.5
    # only the first sighting is written at 5m (one extra write) before the first late gap
    assert one_hour < auto <= one_hour * 1.4
