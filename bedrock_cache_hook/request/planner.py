"""Where cache markers pay off and are legal: a pure function over the abstract prefix.

Rules, in priority order while the budget (4 minus the caller's markers) lasts:

1. stable anchors: end of tools (where the model caches tools), end of system, and a shared
   message prefix: the deepest earlier message boundary that other requests also contained
   (few-shot turns, a document every request starts with), when this request does not
   continue an earlier one;
2. the rolling tail: the last markable block of the conversation, so the next turn reads
   everything before it;
3. the previous tail: when the previous request's (marked) tail is further back than the
   model's lookback (Claude ~20 blocks; Nova none), mark it too so its entry is still read;
   under a cap on cached tokens (Nova's 20K), the tail is the last block within it by the
   estimates, with a hedge 10% under it in case they overshoot.

Every marker sits where the cumulative prefix reaches the model minimum, right after a block
that may carry one, never where a caller marker already is. The caller's markers are never
moved or removed and count toward the budget.

Economics (``tail_policy="adaptive"``): anchors are shared by many calls and pay for
themselves from the second use. A tail pays only if the conversation continues within the
TTL: writing costs +25% (Claude 5m), a read saves 90%, so a tail is worth marking when the
chance of continuation is above 0.25 / 0.9 ~ 28%. The planner marks the tail when this request
provably continues an earlier one (its prefix contains an earlier request's tail); otherwise,
once 3 requests on its stable prefix were seen, when that prefix's requests were continued at
least that often; before that, when the request already holds an assistant turn (it is a
conversation) or offers tools (a tool loop sends the call's result back), and for a lone first
message at most a quarter the size of what precedes it unless, across the process, 3 or more
of those were seen and fewer than that share were continued; one up to the size of what
precedes it only when it is the process's first (a cold start serving a chat) and a bigger one
never, unless the process's first messages were continued at least that often. Models with no
write premium (Nova) always get the tail. Single-message one-shot traffic therefore pays a
write premium on at most 3 small tails (or 1 medium one), and one-shot traffic with canned
history stops paying it after 3 requests. If new stable prefixes are almost never reused
(per-call data in the system prompt), anchors are marked only from their second sighting.

Anchors pay only if their prefix comes back within the TTL. Once 3 requests were seen on a
stable prefix, the planner keeps marking it only with a TTL whose observed reuse (the share of
gaps between uses within 5 minutes, or within an hour) gives a positive expected saving:
``p * (1 - read) - (1 - p) * (write - 1)`` in units of the input price. So traffic that comes
back slower than the TTL stops paying write premiums after 3 requests.

TTL: ``5m`` omits the field; ``1h`` gives the anchors 1h where the model and botocore allow it;
``auto`` (the default, it wins the cost benchmark's suite) prices 1h against 5m for every
marker, anchors and tails alike (:func:`.pricing.auto_ttls`): the first observed gap between
5 minutes and an hour moves a prefix. TTLs never increase along tools -> system -> messages, the
caller's included.

Also: identical re-sends count as continuations; a prefix whose tools come back with a new
system prompt on most calls (churn) gets the tools marker only; a large lone first message is
marked on first sight, with an anchor after its bulk when a small question follows it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import ModelSpec, Prices
from .placement import hedge_the_cap, last_markable, previous_tail_block
from .plan_types import Observations, Plan, PlannedMarker, Policy
from .prefix import FIVE_MINUTES, ONE_HOUR, Prefix
from .pricing import (
    MIN_SAMPLES,
    anchor_choice,
    auto_ttls,
    break_even,
    order_ttls,
)

__all__ = [
    "FIVE_MINUTES",
    "ONE_HOUR",
    "Observations",
    "Plan",
    "PlannedMarker",
    "Policy",
    "break_even",
    "plan",
]

#: previous-tail markers are added a little before the lookback limit, to stay clear of it
LOOKBACK_SAFETY = 4


def _tail_worth_marking(
    policy: Policy, obs: Observations, threshold: float, multi_turn: bool
) -> str | None:
    """None when the tail should be marked, else the note saying why not."""
    if policy.tail == "always":
        return None
    if policy.tail == "never":
        return "tail-policy-never"
    if threshold == 0.0 or obs.previous_tail is not None:
        return None
    stats = obs.anchor
    if stats is not None and stats.requests >= MIN_SAMPLES:
        if stats.continued / stats.requests >= threshold:
            return None
        return "tail-rarely-continued"
    # No evidence on this prefix yet: see _looks_like_a_conversation.
    return None if multi_turn else "tail-unproven"


def _looks_like_a_conversation(
    prefix: Prefix, large_first: bool, obs: Observations, threshold: float
) -> bool:
    """Without evidence on this prefix: an assistant turn, a document up front, or tools on
    offer (a tool loop sends the call's result back) say the conversation goes on. So does a
    lone first message small next to what precedes it (a question under a system prompt),
    unless the process has seen enough of those and too few were continued (one-shot
    traffic): its premium is small next to re-writing a conversation's first turn. One up to
    the size of what precedes it is a bet on the process's first request only, a bigger one
    (a task's payload) never; then the process's first messages decide."""
    if prefix.has_assistant_turn or large_first:
        return True
    if "tools" in prefix.last:
        return True
    first = prefix.first_message_block()
    if first is None:
        return False
    head = prefix.tokens_through(first - 1)
    seen, continued = obs.first_messages
    if continued >= threshold * seen > 0:  # the process's first messages were continued
        return True
    question = prefix.tokens_through(len(prefix.blocks) - 1) - head
    if question > head:  # bigger than the instructions: a task's payload, one-shot
        return False
    if 4 * question > head:  # a chat's long first turn or a task: the process's first is a bet
        return seen == 0
    return seen < MIN_SAMPLES


def large_first_message(prefix: Prefix, spec: ModelSpec) -> tuple[bool, int | None]:
    """(a lone first message big enough to be re-read, the block ending its bulk).

    A first user message at least as large as everything in front of it and at least 4x the
    model minimum (a document, a long transcript) is likely asked about again. Alone in the
    request it is marked on first sight (the tail). When its last block is small next to the
    rest (the question after the document), the block before it is a shared anchor too, in
    every turn of the conversation: a new question on the same document reads it, and the
    turns' reads keep it alive."""
    first = prefix.first_message_block()
    if first is None or not prefix.ends or prefix.blocks[first].path[0] != 0:
        return False, None
    last = prefix.ends[0]
    head = prefix.tokens_through(first - 1)
    size = prefix.tokens_through(last) - head
    if size < max(head, 4 * spec.min_tokens):
        return False, None
    lone = last == len(prefix.blocks) - 1
    bulk = None
    for index in range(last - 1, first - 1, -1):
        if prefix.blocks[index].markable:
            bulk = index
            break
    if bulk is not None and prefix.tokens_through(last) - prefix.tokens_through(bulk) > size / 4:
        bulk = None
    return lone, bulk


def _stable_anchors(  # noqa: PLR0917 - one step of plan(), split out for size
    prefix: Prefix,
    spec: ModelSpec,
    obs: Observations,
    mark_anchors: bool,
    anchor_ttl: str | None,
    consider: Callable[[int | None, str, str | None], None],
    notes: list[str],
) -> None:
    """The tools and system anchors (only the tools under churn)."""
    new_anchor = obs.anchor is None or obs.anchor.requests == 0
    if obs.churn:
        notes.append("system-churn")
        if "tools" in spec.sections:
            consider(last_markable(prefix, "tools"), "tools-anchor", anchor_ttl)
    elif obs.anchors_mostly_unused and new_anchor:
        notes.append("anchor-unproven")
    elif not mark_anchors:
        notes.append("anchor-reused-too-slowly")
    else:
        if "tools" in spec.sections:
            consider(last_markable(prefix, "tools"), "tools-anchor", anchor_ttl)
        if "system" in spec.sections:
            consider(last_markable(prefix, "system"), "system-anchor", anchor_ttl)


def plan(
    prefix: Prefix, spec: ModelSpec, policy: Policy, obs: Observations, prices: Prices | None = None
) -> Plan:
    if not spec.caching or not prefix.blocks:
        return Plan(notes=("model-cannot-cache",) if not spec.caching else ())
    budget = spec.max_markers - len(prefix.markers)
    occupied = {m.after for m in prefix.markers}
    notes: list[str] = []
    candidates: list[PlannedMarker] = []
    mark_anchors, anchor_ttl = anchor_choice(policy, obs, prices)
    if policy.ttl == "auto":
        anchor_ttl = None  # decided below for the whole request

    def consider(index: int | None, reason: str, ttl: str | None) -> None:
        if index is None:
            return
        if index in occupied:
            notes.append(f"{reason}-already-marked")
            return
        if prefix.tokens_through(index) < spec.min_tokens:
            notes.append(f"{reason}-below-minimum")
            return
        if spec.max_cached_tokens is not None and prefix.cumulative[index] > spec.max_cached_tokens:
            notes.append(f"{reason}-over-cache-cap")
            return
        occupied.add(index)
        candidates.append(PlannedMarker(index, ttl, reason))

    _stable_anchors(prefix, spec, obs, mark_anchors, anchor_ttl, consider, notes)

    shared = obs.shared_boundary
    # kept marked in follow-up turns too: their reads then refresh the shared entry
    if (
        shared is not None
        and "messages" in spec.sections
        and 0 <= shared < len(prefix.blocks)
        and prefix.blocks[shared].markable
    ):
        consider(shared, "shared-prefix", anchor_ttl)

    large, bulk = (
        large_first_message(prefix, spec) if "messages" in spec.sections else (False, None)
    )
    if bulk is not None and not obs.churn and bulk != shared:
        consider(bulk, "document-anchor", anchor_ttl)

    # past Nova's cap on cached tokens a checkpoint caches nothing: the tail moves back
    cap = spec.max_cached_tokens
    tail = last_markable(prefix, "messages", cap) if "messages" in spec.sections else None
    if obs.churn:
        tail = None
    tail_wanted = False
    if tail is not None:
        threshold = break_even(prices)
        conversation = _looks_like_a_conversation(prefix, large, obs, threshold)
        why_not = _tail_worth_marking(policy, obs, threshold, conversation)
        if why_not is None:
            tail_wanted = True
            consider(tail, "tail", None)
        else:
            notes.append(why_not)

    if tail_wanted and tail is not None:
        _behind_the_tail(prefix, spec, obs, tail, consider)

    if len(candidates) > max(budget, 0):
        notes.append("over-budget")
        candidates = candidates[: max(budget, 0)]
    if policy.ttl == "auto" and policy.one_hour_ok and candidates:
        candidates = auto_ttls(prefix, candidates, obs, prices)
    ordered = order_ttls(prefix, candidates)
    return Plan(tuple(ordered), tuple(notes), *_tail_marker(prefix, ordered, tail))


def _behind_the_tail(
    prefix: Prefix,
    spec: ModelSpec,
    obs: Observations,
    tail: int,
    consider: Callable[[int | None, str, str | None], None],
) -> None:
    """The markers a marked tail needs behind it: a capped tail's hedge, and the previous
    tail when it is further back than the model looks."""
    if spec.max_cached_tokens is not None:
        hedge_the_cap(prefix, tail, spec.max_cached_tokens, consider)
    previous = previous_tail_block(prefix, obs.previous_tail)
    if previous is not None and tail - previous > max(0, spec.lookback_blocks - LOOKBACK_SAFETY):
        consider(previous, "previous-tail", None)


def _tail_marker(
    prefix: Prefix, ordered: list[PlannedMarker], tail: int | None
) -> tuple[bool, bool]:
    """(the tail carries a marker, the caller's or ours; that marker asks for 1h)."""
    at_tail = [m.ttl for m in prefix.markers if m.after == tail]
    at_tail += [m.ttl for m in ordered if m.after == tail]
    return bool(at_tail), bool(at_tail) and at_tail[0] == "1h"
