"""Does inject mode pay? Cost ratios against sending no markers, on the simulator.

    python scripts/bench_economics.py

For each traffic shape: the cost with the hook's default policy (adaptive tail), with the tail
always marked, and with no hook, as ratios to no hook (lower is better; > 1.00 means caching
cost more than not caching). No AWS account, no network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bedrock_cache_hook.demo import workloads

Shape = Callable[[], Iterator[workloads.Call]]

SHAPES: list[tuple[str, Shape]] = [
    ("one-shot, shared 2.5k-word system", lambda: workloads.one_shot(60)),
    (
        "one-shot, tiny system, big questions",
        lambda: workloads.one_shot(60, system_words=50, question_words=1500),
    ),
    ("one-shot with canned few-shot history", lambda: workloads.canned_history(60)),
    ("one-shot, 10 minutes apart", lambda: workloads.one_shot(60, gap=600.0)),
    ("multi-turn chats (10 x 8 turns)", lambda: workloads.conversations(10, 8)),
    (
        "multi-turn chats, 10 minutes between turns",
        lambda: workloads.conversations(10, 8, gap=600.0),
    ),
    ("tool fan-out agent (12 rounds x 12 tools)", lambda: workloads.fan_out_agent(12)),
]


def main() -> None:
    print(f"{'traffic':<44} {'no hook $':>10} {'adaptive':>9} {'always':>9}")
    for name, shape in SHAPES:
        base = workloads.cost_of(shape(), None)
        adaptive = workloads.cost_of(shape(), {"mode": "inject"})
        always = workloads.cost_of(shape(), {"mode": "inject", "tail_policy": "always"})
        print(f"{name:<44} {base:>10.4f} {adaptive / base:>9.3f} {always / base:>9.3f}")


if __name__ == "__main__":
    main()
