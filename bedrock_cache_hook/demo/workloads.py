"""Traffic shapes for judging a caching strategy on the simulator (benchmarks and tests).

Each workload yields ``(pause_seconds, converse_kwargs)`` pairs; :func:`cost_of` runs one
through a fresh simulator, with or without the hook, and prices what the simulator billed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..activation.install import install, uninstall
from ..catalog import cost, resolve
from ..ledger import Ledger
from ..sim import Simulator

Call = tuple[float, dict[str, Any]]
MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
_WORDS = (
    "ledger",
    "invoice",
    "policy",
    "refund",
    "carrier",
    "warehouse",
    "customer",
    "audit",
    "region",
    "contract",
    "shipment",
    "balance",
    "approval",
    "quota",
    "tariff",
    "order",
)


def words(count: int, seed: int) -> str:
    return " ".join(_WORDS[(i * 5 + seed * 11 + i // 7) % len(_WORDS)] for i in range(count))


def _request(
    system_words: int, messages: list[dict[str, Any]], model_id: str, system_seed: int = 0
) -> dict[str, Any]:
    return {
        "modelId": model_id,
        "system": [{"text": words(system_words, system_seed)}],
        "messages": messages,
        "inferenceConfig": {"maxTokens": 200},
    }


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def _assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"text": text}]}


def one_shot(
    requests: int,
    system_words: int = 2500,
    question_words: int = 400,
    model_id: str = MODEL_ID,
    gap: float = 2.0,
) -> Iterator[Call]:
    """Independent questions on one shared system prompt: nothing is ever continued."""
    for i in range(requests):
        yield (
            gap,
            _request(system_words, [_user(f"q{i} " + words(question_words, i + 1))], model_id),
        )


def canned_history(
    requests: int, system_words: int = 300, history_turns: int = 3, model_id: str = MODEL_ID
) -> Iterator[Call]:
    """One-shot requests that carry fixed few-shot turns before a fresh question."""
    shots: list[dict[str, Any]] = []
    for t in range(history_turns):
        shots += [_user(words(250, 40 + t)), _assistant(words(150, 60 + t))]
    for i in range(requests):
        question = _user(f"q{i} " + words(600, 90 + i))
        yield 2.0, _request(system_words, [*shots, question], model_id)


def conversations(
    count: int, turns: int, system_words: int = 2500, model_id: str = MODEL_ID, gap: float = 20.0
) -> Iterator[Call]:
    """Multi-turn chats on one system prompt, one after the other, ``gap`` s between turns."""
    for c in range(count):
        history: list[dict[str, Any]] = []
        for t in range(turns):
            history = [*history, _user(f"c{c}t{t} " + words(120, c * 31 + t))]
            yield gap, _request(system_words, history, model_id)
            history = [*history, _assistant(words(180, c * 17 + t + 5))]


def fan_out_agent(
    rounds: int, width: int = 12, system_words: int = 2500, model_id: str = MODEL_ID
) -> Iterator[Call]:
    """An agent that calls ``width`` tools in parallel every round."""
    history: list[dict[str, Any]] = [_user("start " + words(100, 3))]
    for r in range(rounds):
        yield 5.0, _request(system_words, history, model_id)
        ids = [f"r{r}t{k}" for k in range(width)]
        history = [
            *history,
            {
                "role": "assistant",
                "content": [
                    {"toolUse": {"toolUseId": i, "name": "lookup", "input": {"k": i}}} for i in ids
                ],
            },
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": i, "content": [{"text": words(60, k)}]}}
                    for k, i in enumerate(ids)
                ],
            },
        ]


def cost_of(calls: Iterator[Call], hook: Mapping[str, Any] | None) -> float:
    """Dollars the simulator billed for ``calls``; ``hook``: install() settings, or None."""
    sim = Simulator()
    client = sim.client()
    if hook is None:
        install(client, mode="off")
    else:
        install(client, ledger=Ledger(), clock=lambda: sim.now, **dict(hook))
    try:
        for pause, kwargs in calls:
            sim.advance(pause)
            client.converse(**kwargs)
    finally:
        uninstall(client)
    total = 0.0
    for log in sim.calls():
        resolution = resolve(log.model_id)
        if resolution.prices is None:
            continue
        billed, _ = cost(
            resolution.prices,
            input_tokens=log.input_tokens,
            output_tokens=log.output_tokens,
            cache_read_tokens=log.cache_read_tokens,
            cache_write_5m_tokens=log.cache_write_tokens,
            cache_write_1h_tokens=0,
            multiplier=resolution.price_multiplier,
        )
        total += billed
    return total
