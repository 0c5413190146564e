"""Seeded generators for the traffic shapes the benchmark judges strategies on.

Every generator takes a ``random.Random`` and :class:`Sizes` and returns the trace's calls;
nothing else is random. Sizes follow real agent traffic: system prompts 2k-20k tokens, tool
specifications 3k-30k, 0.5k-5k tokens appended per agent step, heavy-tailed (log-normal)
gaps between requests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import build
from .trace import TraceCall

__all__ = ["NOVA", "SONNET", "Sizes", "Timeline", "agent_session"]

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
Json = dict[str, Any]


@dataclass(frozen=True)
class Sizes:
    """Token ranges (log-uniform) and counts of the generated traffic."""

    system: tuple[int, int] = (2_000, 20_000)
    tools: tuple[int, int] = (3_000, 30_000)
    step: tuple[int, int] = (500, 5_000)
    question: tuple[int, int] = (300, 3_000)
    answer: tuple[int, int] = (100, 800)
    #: a document put in the first message
    document: tuple[int, int] = (15_000, 40_000)
    #: agent steps per session
    steps: tuple[int, int] = (30, 40)
    #: median seconds between an agent's steps (tool and model latency)
    step_gap: float = 8.0
    #: chance that a step calls several tools at once, and how many
    fan_out: float = 0.2
    fan_width: tuple[int, int] = (4, 14)


@dataclass
class Timeline:
    """Collects calls on a clock of seconds since the start."""

    now: float = 0.0
    calls: list[TraceCall] = field(default_factory=list)

    def send(self, kwargs: Json, operation: str = "Converse") -> None:
        if operation.startswith("InvokeModel"):
            body = build.anthropic_body(kwargs)
            kwargs = {"modelId": kwargs["modelId"], "contentType": "application/json", "body": body}
        self.calls.append(TraceCall(round(self.now, 3), operation, kwargs))

    def wait(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def clock_text(seconds: float) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_767_225_600 + seconds))
    return f"Current date and time: {stamp}. "


def agent_session(
    line: Timeline,
    rng: random.Random,
    sizes: Sizes,
    seed: str,
    *,
    model: str = SONNET,
    tool_specs: list[Json] | None = None,
    system_blocks: list[Json] | None = None,
    system_at: Callable[[float], list[Json]] | None = None,
    operation: str = "Converse",
    pause: tuple[float, float, float] | None = None,
    compact_every: tuple[int, int] | None = None,
) -> None:
    """One tool-using agent run: a task, then steps of tool calls and results.

    ``pause``: (chance per step, shortest, longest seconds) of a human pause; ``compact_every``:
    the history is replaced by a summary every that many steps; ``system_at``: a system prompt
    that depends on the time (a timestamp in it).
    """
    history: list[Json] = [build.user(build.log_uniform(rng, *sizes.question), f"{seed}/task")]
    steps = rng.randint(*sizes.steps)
    next_compaction = rng.randint(*compact_every) if compact_every else None
    for step in range(steps):
        blocks = system_at(line.now) if system_at is not None else system_blocks or []
        line.send(build.converse(model, blocks, history, tool_specs), operation)
        if next_compaction is not None and step + 1 >= next_compaction and compact_every:
            summary = build.log_uniform(rng, 1_000, 3_000)
            history = [build.user(summary, f"{seed}/summary{step}")]
            next_compaction = step + 1 + rng.randint(*compact_every)
        else:
            wide = rng.random() < sizes.fan_out
            width = rng.randint(*sizes.fan_width) if wide else 1
            tokens = build.log_uniform(rng, *sizes.step) * (2 if wide else 1)
            history = [*history, *build.tool_round(width, tokens, f"{seed}/s{step}")]
        line.wait(build.gap(rng, sizes.step_gap, 0.8, cap=240.0))
        if pause is not None and rng.random() < pause[0]:
            line.wait(rng.uniform(pause[1], pause[2]))
