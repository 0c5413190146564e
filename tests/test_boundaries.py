"""The boundary table's kept lists answer exactly as looking every boundary up again would:
checked against a plain reference over random conversation traffic."""

from __future__ import annotations

import hashlib
import random
from collections import OrderedDict
from collections.abc import Sequence
from operator import ne

import pytest

from bedrock_cache_hook.request.boundaries import DIVERGED, Boundaries


class Reference:
    """Every boundary looked up and refreshed on every request."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.table: OrderedDict[bytes, bytes] = OrderedDict()

    def shared(self, indices: Sequence[int], keys: list[bytes], nexts: list[bytes]) -> int | None:
        differs = [self.table.get(k, n) != n for k, n in zip(keys, nexts, strict=True)]
        if True not in differs:
            return None
        return indices[len(differs) - 1 - differs[::-1].index(True)]

    def register(self, keys: list[bytes], nexts: list[bytes]) -> None:
        held = list(map(self.table.get, keys))
        for key, before, after in zip(keys, held, nexts, strict=True):
            if ne(before, after):
                self.table[key] = after if before is None else DIVERGED
        for key in keys:
            self.table.move_to_end(key)
        while len(self.table) > self.capacity:
            self.table.popitem(last=False)


def _h(*parts: object) -> bytes:
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()


def _bounds(messages: list[int]) -> tuple[list[int], list[bytes], list[bytes]]:
    """Every message end but the last: the chain through it and through the next block."""
    ends = range(len(messages) - 1)
    keys = [_h(tuple(messages[: i + 1])) for i in ends]
    nexts = [_h(tuple(messages[: i + 1]), "then", messages[i + 1]) for i in ends]
    return [3 * i + 2 for i in ends], keys, nexts


def _traffic(rng: random.Random, calls: int) -> list[list[int]]:
    """Conversations growing a turn or two, re-sends, branches from an earlier turn, and new
    conversations opening with one of a few shared few-shot runs."""
    fresh = iter(range(10_000, 10**9))
    shots = [[next(fresh) for _ in range(rng.randint(1, 4))] for _ in range(3)]
    conversations: list[list[int]] = []
    out = []
    for _ in range(calls):
        roll = rng.random()
        if not conversations or roll < 0.15:
            conversation = [*rng.choice(shots), next(fresh)]
            conversations.append(conversation)
        elif roll < 0.25:
            base = rng.choice(conversations)
            conversation = [*base[: rng.randint(1, len(base))], next(fresh)]
            conversations.append(conversation)
        else:
            conversation = rng.choice(conversations[-6:])
            if roll > 0.35:  # else: sent again as it is
                conversation.extend(next(fresh) for _ in range(rng.randint(1, 3)))
        out.append(list(conversation))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_kept_lists_answer_as_a_full_lookup(seed: int) -> None:
    rng = random.Random(seed)
    ours, reference = Boundaries(10_000), Reference(10_000)
    answered = 0
    for messages in _traffic(rng, 300):
        indices, keys, nexts = _bounds(messages)
        expected = reference.shared(indices, keys, nexts)
        assert ours.shared(indices, keys, nexts) == expected
        answered += expected is not None
        reference.register(keys, nexts)
        ours.register(keys, nexts)
        assert dict(ours.table) == dict(reference.table)
    assert answered > 0  # the traffic does share prefixes


@pytest.mark.parametrize("capacity", [4, 9, 30, 200])
@pytest.mark.parametrize("seed", range(12))
def test_under_eviction_a_kept_list_answers_as_its_table_would(capacity: int, seed: int) -> None:
    """Eviction order may differ a little from strict LRU (kept lists are refreshed in
    batches); what a kept list answers is still what a full lookup in the same table gives,
    and the table stays within its capacity."""
    rng = random.Random(seed)
    ours = Boundaries(capacity)
    full = Reference(capacity)
    for messages in _traffic(rng, 400):
        indices, keys, nexts = _bounds(messages)
        full.table = OrderedDict(ours.table)
        assert ours.shared(indices, keys, nexts) == full.shared(indices, keys, nexts)
        ours.register(keys, nexts)
        assert len(ours.table) <= capacity
        # what the request registered is in the table as a full registration leaves it
        for key, after in list(zip(keys, nexts, strict=True))[-capacity:]:
            if key in ours.table:
                assert ours.table[key] in (after, DIVERGED)


def test_a_continued_conversation_looks_up_only_its_new_boundaries() -> None:
    table = Boundaries(10_000)
    history = list(range(50))
    table.register(*_bounds(history)[1:])
    looked_up: list[bytes] = []

    class Spy(OrderedDict[bytes, bytes]):
        def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
            looked_up.append(key)
            return super().get(key, default)

    table.table = Spy(table.table)
    longer = [*history, 50, 51]
    indices, keys, nexts = _bounds(longer)
    assert table.shared(indices, keys, nexts) is None
    table.register(keys, nexts)
    assert looked_up == keys[-2:] * 2  # the two new boundaries, once to answer, once to register
    # a branch from an earlier turn: what followed turn 19 differs, and the longer
    # conversation, whose kept list predates the branch, now finds that shared turn too
    branch = [*history[:20], 99]
    branch_indices = _bounds(branch)[0]
    assert table.shared(*_bounds(branch)) == branch_indices[19]
    table.register(*_bounds(branch)[1:])
    indices, keys, nexts = _bounds([*longer, 52])
    assert table.shared(indices, keys, nexts) == indices[19]
