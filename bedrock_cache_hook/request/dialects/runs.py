"""The leading elements of a body's lists, as read before: a conversation sent through
InvokeModel re-sends its history as new text on every call, the same characters again.

A run is the text of a list's elements from the first one's start to the last one's end,
with what reading it gave: the parsed values and each element's span. Where a new body's
list starts with a run's exact text, that many elements are the run's (equal JSON text parses
to equal values: the values are shared, and never changed by anyone), with no scan; what
each dialect read from them (their blocks) is kept on the run too. Runs are found by the
first characters of the list, then compared whole at C speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["RUNS", "Run", "Runs"]

#: characters of a list's start that find its candidate runs
_HEAD = 64
#: candidate runs kept per list start (conversations that begin alike)
_PER_HEAD = 4


class Run:
    __slots__ = ("read", "spans", "text", "values")

    def __init__(self, text: str, values: tuple[Any, ...], spans: tuple[tuple[int, int], ...]):
        self.text = text
        self.values = values
        self.spans = spans  # each element's, from the run's start
        #: what a dialect read from the run, by its reading key (model sections, salt):
        #: (leading elements covered, their blocks, blocks through each element)
        self.read: dict[tuple[Any, ...], tuple[int, tuple[Any, ...], tuple[int, ...]]] = {}


class Runs:
    """Runs by list and start, bounded by the characters they hold (then it starts over)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0  # approximate under threads: only bounds the memory
        self.items: dict[tuple[str, str], list[Run]] = {}

    def find(self, key: str, text: str, at: int) -> Run | None:
        """The longest run of list ``key`` whose text is ``text``'s at ``at``."""
        best = None
        for run in self.items.get((key, text[at : at + _HEAD]), ()):
            if (best is None or len(run.text) > len(best.text)) and text.startswith(run.text, at):
                best = run
        return best

    def add(
        self, key: str, text: str, spans: Sequence[tuple[int, int]], values: Sequence[Any]
    ) -> Run:
        """Hold the run of list ``key`` whose elements sit at ``spans`` in ``text``."""
        start, end = spans[0][0], spans[-1][1]
        run = Run(text[start:end], tuple(values), tuple((a - start, b - start) for a, b in spans))
        if self.size + len(run.text) > self.budget:
            self.items = {}
            self.size = 0
        head = (key, text[start : start + _HEAD])
        held = self.items.get(head, [])
        # the newest first; a run the new one extends is dropped (it starts the same)
        kept = [r for r in held if not run.text.startswith(r.text)][: _PER_HEAD - 1]
        self.items[head] = [run, *kept]
        self.size += len(run.text) - sum(len(r.text) for r in held if r not in kept)
        return run


RUNS = Runs(8_000_000)
