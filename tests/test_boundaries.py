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


Conversation = list[list[int]]  # messages, each a list of block ids


def _bounds(messages: Conversation) -> tuple[list[int], list[bytes], list[bytes]]:
    """Every message end but the last: its block index, the chain through it, the chain
    through the block after it (a chain hash stands for the blocks, not for how they are
    cut into messages)."""
    blocks = [block for message in messages for block in message]
    chain = [_h(tuple(blocks[: i + 1])) for i in range(len(blocks))]
    ends, at = [], -1
    for message in messages[:-1]:
        at += len(message)
        ends.append(at)
    return ends, [chain[i] for i in ends], [chain[i + 1] for i in ends]


def _traffic(rng: random.Random, calls: int) -> list[Conversation]:
    """Conversations growing a turn or two, re-sends, branches from an earlier turn, new
    conversations opening with one of a few shared few-shot runs, and the same blocks cut
    into messages differently."""
    fresh = iter(range(10_000, 10**9))

    def message() -> list[int]:
        return [next(fresh) for _ in range(rng.choice((1, 1, 2, 3)))]

    shots = [[message() for _ in range(rng.randint(1, 4))] for _ in range(3)]
    conversations: list[Conversation] = []
    out = []
    for _ in range(calls):
        roll = rng.random()
        if not conversations or roll < 0.15:
            conversation = [*rng.choice(shots), message()]
            conversations.append(conversation)
        elif roll < 0.25:
            base = rng.choice(conversations)
            conversation = [*base[: rng.randint(1, len(base))], message()]
            conversations.append(conversation)
        elif roll < 0.3:
            base = rng.choice(conversations)
            blocks = [block for m in base for block in m]
            cuts = sorted(rng.sample(range(1, len(blocks)), min(len(base) - 1, len(blocks) - 1)))
            conversation = [
                blocks[i:j] for i, j in zip([0, *cuts], [*cuts, len(blocks)], strict=True)
            ]
            conversations.append(conversation)
        else:
            conversation = rng.choice(conversations[-6:])
            if roll > 0.4:  # else: sent again as it is
                conversation.extend(message() for _ in range(rng.randint(1, 3)))
        out.append([list(m) for m in conversation])
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
        ours.register(indices, keys, nexts)
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
        ours.register(indices, keys, nexts)
        assert len(ours.table) <= capacity
        # what the request registered is in the table as a full registration leaves it
        for key, after in list(zip(keys, nexts, strict=True))[-capacity:]:
            if key in ours.table:
                assert ours.table[key] in (after, DIVERGED)


class _Spy(OrderedDict[bytes, bytes]):
    """A table that notes every key looked up."""

    def __init__(self, table: OrderedDict[bytes, bytes], seen: list[bytes]) -> None:
        super().__init__(table)
        self.seen = seen

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        self.seen.append(key)
        return super().get(key, default)


def _turns(count: int, start: int = 0) -> Conversation:
    return [[start + i] for i in range(count)]


def test_a_continued_conversation_looks_up_only_its_new_boundaries() -> None:
    table = Boundaries(10_000)
    history = _turns(50)
    table.register(*_bounds(history))
    looked_up: list[bytes] = []
    table.table = _Spy(table.table, looked_up)
    longer = [*history, [50], [51]]
    indices, keys, nexts = _bounds(longer)
    assert table.shared(indices, keys, nexts) is None
    table.register(indices, keys, nexts)
    assert looked_up == keys[-2:] * 2  # the two new boundaries, once to answer, once to register
    # a branch from an earlier turn: what followed turn 19 differs, and the longer
    # conversation, whose kept list predates the branch, now finds that shared turn too
    branch = [*history[:20], [99]]
    assert table.shared(*_bounds(branch)) == _bounds(branch)[0][19]
    table.register(*_bounds(branch))
    indices, keys, nexts = _bounds([*longer, [52]])
    assert table.shared(indices, keys, nexts) == indices[19]


def test_a_divergence_elsewhere_leaves_a_kept_list_in_use() -> None:
    table = Boundaries(10_000)
    ours, other = _turns(40), _turns(40, start=1_000)
    table.register(*_bounds(ours))
    table.register(*_bounds(other))
    table.register(*_bounds([*other[:10], [5_000]]))  # the other conversation is regenerated
    looked_up: list[bytes] = []
    table.table = _Spy(table.table, looked_up)
    indices, keys, nexts = _bounds([*ours, [41]])
    assert table.shared(indices, keys, nexts) is None
    assert looked_up == keys[-1:]


def test_the_same_blocks_cut_into_other_messages_are_not_taken_over() -> None:
    """Equal chains, other message ends: the kept list of one says nothing of the other."""
    tail = _turns(20, start=100)
    first = [[1], [2], [9]]
    grouped = [[1], [2, 3], [4], [5], [6], *tail]
    regrouped = [[1], [2], [3], [4], [5, 6], *tail]
    table, full = Boundaries(10_000), Reference(10_000)
    for conversation in (first, grouped):
        table.register(*_bounds(conversation))
        full.register(*_bounds(conversation)[1:])
    assert _bounds(grouped)[1][-1] == _bounds(regrouped)[1][-1]  # the same last chain hash
    assert table.shared(*_bounds(regrouped)) == full.shared(*_bounds(regrouped)) is not None


def test_kept_lists_hold_at_most_twice_the_table() -> None:
    table = Boundaries(200)
    for c in range(60):
        for turn in range(10, 150, 10):  # long conversations, each regenerated as it goes
            conversation = _turns(turn, start=10_000 * c)
            table.register(*_bounds(conversation))
            table.register(*_bounds([*conversation[:-3], [10_000 * c + 9_999]]))
        assert sum(len(kept.keys) for kept in table._lists.values()) <= 2 * 200
