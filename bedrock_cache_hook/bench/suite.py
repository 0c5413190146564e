"""The standard suite: one generator per traffic shape (see :mod:`.shapes` for the sizes).

``generate(name, seed, sizes)`` builds one shape's trace; ``standard_suite()`` all of them
with the default seed. An independent run may pass other seeds and :class:`~.shapes.Sizes`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import build
from .shapes import NOVA, SONNET, Sizes, Timeline, agent_session, clock_text
from .trace import Trace

__all__ = ["SHAPES", "generate", "standard_suite"]

Generator = Callable[[Timeline, random.Random, Sizes], None]


def _tools_and_system(rng: random.Random, sizes: Sizes, seed: str) -> tuple[list, list]:  # type: ignore[type-arg]
    tools = build.tools(build.log_uniform(rng, *sizes.tools), seed, rng.randint(5, 14))
    return tools, build.system(build.log_uniform(rng, *sizes.system), seed)


def chats(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    system = build.system(build.log_uniform(rng, *sizes.system), "chat")
    for c in range(8):
        history: list[build.Json] = []
        for t in range(rng.randint(4, 12)):
            history = [*history, build.user(build.log_uniform(rng, *sizes.question), f"c{c}u{t}")]
            line.send(build.converse(SONNET, system, history))
            history = [
                *history,
                build.assistant(build.log_uniform(rng, *sizes.answer), f"c{c}a{t}"),
            ]
            line.wait(build.gap(rng, 40.0, 1.0, cap=900.0))
        line.wait(build.gap(rng, 60.0, 1.0, cap=900.0))


def _agents(sessions: int, **options: object) -> Generator:
    def generate(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
        tools, system = _tools_and_system(rng, sizes, "agent")
        for s in range(sessions):
            agent_session(
                line,
                rng,
                sizes,
                f"run{s}",
                tool_specs=tools,
                system_blocks=system,
                **options,  # type: ignore[arg-type]
            )
            line.wait(build.gap(rng, 120.0, 1.0, cap=1_800.0))

    return generate


def _one_shot(low: float, high: float, count: int = 40) -> Generator:
    def generate(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
        system = build.system(build.log_uniform(rng, *sizes.system), "oneshot")
        for i in range(count):
            question = build.user(build.log_uniform(rng, *sizes.question), f"q{i}")
            line.send(build.converse(SONNET, system, [question]))
            line.wait(rng.uniform(low, high))

    return generate


def document(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    system = build.system(build.log_uniform(rng, 1_500, 3_000), "doc")
    doc = {"text": build.filler(build.log_uniform(rng, *sizes.document), "document")}
    for s in range(8):
        first = {"role": "user", "content": [doc, build.user(400, f"d{s}q")["content"][0]]}
        history: list[build.Json] = [first]
        for t in range(rng.randint(1, 5)):
            line.send(build.converse(SONNET, system, history))
            history = [
                *history,
                build.assistant(build.log_uniform(rng, *sizes.answer), f"d{s}a{t}"),
            ]
            history = [*history, build.user(build.log_uniform(rng, 100, 800), f"d{s}u{t}")]
            line.wait(build.gap(rng, 45.0, 0.8, cap=600.0))
        line.wait(build.gap(rng, 90.0, 0.8, cap=900.0))


def timestamp(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    tools, system = _tools_and_system(rng, sizes, "stamp")
    text = system[0]["text"]
    for s in range(2):
        agent_session(
            line,
            rng,
            sizes,
            f"stamp{s}",
            tool_specs=tools,
            system_at=lambda now: [{"text": clock_text(now) + text}],
        )
        line.wait(build.gap(rng, 120.0, 1.0, cap=1_800.0))


def tenants(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    systems = [
        build.system(
            build.log_uniform(rng, max(sizes.system[1] // 2, 1_000), sizes.system[1]), f"t{k}"
        )
        for k in range(10)
    ]
    for r in range(6):
        for k, system in enumerate(systems):
            question = build.user(build.log_uniform(rng, *sizes.question), f"t{k}q{r}")
            line.send(build.converse(SONNET, system, [question]))
            line.wait(rng.uniform(30.0, 36.0))


def nova(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    tools, system = _tools_and_system(rng, sizes, "nova")
    for s in range(2):
        agent_session(
            line, rng, sizes, f"nova{s}", model=NOVA, tool_specs=tools, system_blocks=system
        )
        line.wait(build.gap(rng, 120.0, 1.0, cap=1_800.0))


def resends(line: Timeline, rng: random.Random, sizes: Sizes) -> None:
    system = build.system(build.log_uniform(rng, *sizes.system), "eval")
    shots: list[build.Json] = []
    for k in range(2):
        shots += [build.user(600, f"shot{k}u"), build.assistant(300, f"shot{k}a")]
    for i in range(10):
        request = build.converse(
            SONNET, system, [*shots, build.user(build.log_uniform(rng, *sizes.question), f"e{i}")]
        )
        for _ in range(rng.randint(3, 7)):
            line.send(request)
            line.wait(build.gap(rng, 6.0, 0.8, cap=120.0))
        line.wait(build.gap(rng, 30.0, 1.0, cap=900.0))


SHAPES: dict[str, tuple[str, Generator]] = {
    "chats": ("multi-turn chats", chats),
    "agent": ("tool agent, 30+ steps, fan-outs", _agents(2)),
    "oneshot-1-3m": ("one-shot, a request every 1-3 min", _one_shot(60.0, 180.0)),
    "oneshot-8-15m": ("one-shot, every 8-15 min", _one_shot(480.0, 900.0)),
    "agent-pauses": (
        "agent with 6-40 min pauses (1h-capable model)",
        _agents(1, pause=(0.25, 360.0, 2_400.0)),
    ),
    "document": ("big document in the first message, many questions", document),
    "timestamp": ("timestamp in the system prompt", timestamp),
    "compaction": (
        "agent whose history is compacted every ~10 steps",
        _agents(2, compact_every=(8, 12)),
    ),
    "tenants": ("10 tenants' system prompts round-robin", tenants),
    "nova-agent": ("Nova agent", nova),
    "agent-invoke": ("the tool agent through InvokeModel", _agents(2, operation="InvokeModel")),
    "resends": ("identical re-sends (evaluation loop, retries)", resends),
}


def generate(name: str, seed: int = 0, sizes: Sizes | None = None) -> Trace:
    title, generator = SHAPES[name]
    line = Timeline()
    rng = random.Random(f"{name}:{seed}")
    generator(line, rng, sizes or Sizes())
    return Trace(name, tuple(line.calls), title, {"seed": seed})


def standard_suite(seed: int = 0, sizes: Sizes | None = None) -> list[Trace]:
    return [generate(name, seed, sizes) for name in SHAPES]
