"""The lower bound: exact on small cases, and never above any strategy on generated traffic."""

from __future__ import annotations

import pytest

from bedrock_cache_hook.bench import build
from bedrock_cache_hook.bench.bound import lower_bound
from bedrock_cache_hook.bench.replay import input_dollars, replay
from bedrock_cache_hook.bench.shapes import Sizes
from bedrock_cache_hook.bench.strategies import STRATEGIES
from bedrock_cache_hook.bench.suite import SHAPES, generate
from bedrock_cache_hook.bench.text import filler
from bedrock_cache_hook.bench.trace import Trace, TraceCall
from bedrock_cache_hook.catalog import resolve
from bedrock_cache_hook.sim.tokenizer import count_text

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"  # 5m + 1h, 1,024 minimum
SONNET_4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"  # 5m only
SMALL = Sizes(
    system=(1_200, 2_500),
    tools=(800, 2_000),
    step=(100, 400),
    steps=(5, 8),
    document=(4_000, 8_000),
)


def _request(model: str, tokens: int, seed: str = "a") -> dict[str, object]:
    return {
        "modelId": model,
        "messages": [{"role": "user", "content": [{"text": filler(tokens, seed)}]}],
    }


def _trace(model: str, tokens: int, times: list[float]) -> Trace:
    kwargs = _request(model, tokens)
    return Trace("t", tuple(TraceCall(t, "Converse", kwargs) for t in times))


def _units(model: str, trace: Trace) -> float:
    """The bound in multiples of one request's input tokens at the input price."""
    prices = resolve(model).prices
    assert prices is not None
    text = trace.calls[0].kwargs["messages"][0]["content"][0]["text"]  # type: ignore[index]
    tokens = count_text(text) + 3  # the simulator's message framing
    one = input_dollars(model, uncached=tokens, read=0, write_5m=0, write_1h=0)
    return lower_bound(trace).dollars / one


def test_text_has_the_exact_simulator_size() -> None:
    for tokens in (1, 2, 7, 999, 12_345):
        assert count_text(filler(tokens, f"s{tokens}")) == tokens


def test_a_request_never_sent_again_is_not_worth_a_write() -> None:
    assert _units(SONNET_45, _trace(SONNET_45, 3_000, [0.0])) == pytest.approx(1.0)


def test_a_quick_resend_writes_5m_once_then_reads() -> None:
    assert _units(SONNET_45, _trace(SONNET_45, 3_000, [0.0, 10.0])) == pytest.approx(1.25 + 0.1)


def test_late_reuses_pay_1h_only_when_enough_of_them_come() -> None:
    # two sends 20 minutes apart: 1h write + read (2.1) is dearer than sending twice (2.0)
    assert _units(SONNET_45, _trace(SONNET_45, 3_000, [0.0, 1_200.0])) == pytest.approx(2.0)
    # three: 2 + 0.1 + 0.1 beats 3
    three = _trace(SONNET_45, 3_000, [0.0, 1_200.0, 2_400.0])
    assert _units(SONNET_45, three) == pytest.approx(2.2)
    # a 5m-only model cannot bridge 20 minutes at all
    assert _units(SONNET_4, _trace(SONNET_4, 3_000, [0.0, 1_200.0, 2_400.0])) == pytest.approx(3.0)


def test_reads_keep_an_entry_alive_and_gaps_beyond_the_ttl_lose_it() -> None:
    # 0 -> 200 -> 400 -> 1000 s on a 5m-only model: write, read, read, then write again
    times = [0.0, 200.0, 400.0, 1_000.0, 1_100.0]
    assert _units(SONNET_4, _trace(SONNET_4, 3_000, times)) == pytest.approx(
        1.25 + 0.2 + 1.25 + 0.1
    )


def test_below_the_model_minimum_nothing_is_cached() -> None:
    trace = _trace(SONNET_45, 500, [0.0, 1.0, 2.0])
    assert _units(SONNET_45, trace) == pytest.approx(3.0)


def test_a_prefix_under_the_minimum_has_no_entry_of_its_own() -> None:
    # a 600-token system prompt, then a new 700-token question each time: every request
    # reaches the minimum, but a checkpoint after the system alone caches nothing (600 <
    # 1,024) and no question comes back, so nothing can be read: the bound is no markers
    calls = tuple(
        TraceCall(
            30.0 * i,
            "Converse",
            {
                "modelId": SONNET_45,
                "system": [{"text": filler(600, "s")}],
                "messages": [{"role": "user", "content": [{"text": filler(700, f"q{i}")}]}],
            },
        )
        for i in range(6)
    )
    trace = Trace("small system", calls)
    bound = lower_bound(trace)
    assert bound.tokens["read"] == 0
    assert bound.dollars == pytest.approx(replay(trace, STRATEGIES[0]).dollars)
    # the same question sent again reads the whole prefix, the system prompt with it
    again = Trace("again", (calls[0], TraceCall(60.0, "Converse", calls[0].kwargs)))
    assert lower_bound(again).calls[1]["read"] >= 1_300


def _document_call(question: str) -> dict[str, object]:
    blocks = [{"text": filler(6_000, "document")}, {"text": filler(40, question)}]
    return {"modelId": SONNET_45, "messages": [{"role": "user", "content": blocks}]}


def test_a_read_through_one_question_does_not_keep_the_document_alive_for_another() -> None:
    # question 1 at 0 s and again at 100 s; question 2 at 460 s, 6 minutes after that read.
    # Only an entry at the document itself can serve question 2 (question 1's deeper entry is
    # not on its path), and a 5m one written at 0 is gone by then: the bound pays for 1h.
    calls = (
        TraceCall(0.0, "Converse", _document_call("q1")),
        TraceCall(100.0, "Converse", _document_call("q1")),
        TraceCall(460.0, "Converse", _document_call("q2")),
    )
    rows = lower_bound(Trace("document", calls)).calls
    assert rows[0]["write_1h"] >= 6_000
    assert rows[2]["read"] >= 6_000


def test_nova_tools_past_its_cap_leave_nothing_to_cache() -> None:
    # Nova takes no marker in the tools, and a checkpoint after 25k tokens of tools is past its
    # 20k cap: no request can cache anything, so the bound is the uncached bill
    nova = "us.amazon.nova-pro-v1:0"
    kwargs = build.converse(
        nova, build.system(1_500, "s"), [build.user(200, "u")], build.tools(25_000, "t")
    )
    calls = tuple(TraceCall(float(t), "Converse", kwargs) for t in (0, 10, 20))
    bound = lower_bound(Trace("nova", calls))
    assert bound.tokens["read"] == 0 and bound.tokens["write_5m"] == 0
    assert bound.dollars == pytest.approx(replay(Trace("nova", calls), STRATEGIES[0]).dollars)


#: system prompts and questions around the model minimum: prefixes short of it on their own
TINY = Sizes(
    system=(400, 1_500),
    tools=(300, 1_200),
    step=(100, 400),
    question=(50, 600),
    answer=(50, 300),
    steps=(5, 8),
    document=(1_500, 4_000),
)


@pytest.mark.parametrize("sizes", [SMALL, TINY], ids=["small", "tiny"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_no_strategy_beats_the_bound(shape: str, sizes: Sizes) -> None:
    trace = generate(shape, 5, sizes)
    bound = lower_bound(trace).dollars
    for strategy in STRATEGIES:
        run = replay(trace, strategy)
        assert run.errors == 0, strategy.name
        assert bound <= run.dollars * (1 + 1e-9), strategy.name
