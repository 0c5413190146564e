"""Where cache markers pay off and are legal: a pure function over the abstract prefix.

Rules, in priority order while the budget (4 minus the caller's markers) lasts:

1. stable anchors: end of tools (where the model caches tools), end of system, and a shared
   message prefix: the deepest earlier message boundary that other requests also contained
   (few-shot turns, a document every request starts with), when this request does not
   continue an earlier one;
2. the rolling tail: the last markable block of the conversation, so the next turn reads
   everything before it;
3. the previous tail: when the previous request's (marked) tail is further back than the
   model's lookback (Claude ~20 blocks; Nova none), mark it too so its entry is still read.

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
conversation), but not for a lone first message. Models with no write premium (Nova) always
get the tail. Single-message one-shot traffic therefore never pays a write premium on its
tails, and one-shot traffic with canned history stops paying it after 3 requests. If new
stable prefixes are almost never reused (per-call data in the system prompt), anchors are
marked only from their second sighting.

Anchors pay only if their prefix comes back within the TTL. Once 3 requests were seen on a
stable prefix, the planner keeps marking it only with a TTL whose observed reuse (the share of
gaps between uses within 5 minutes, or within an hour) gives a positive expected saving:
``p * (1 - read) - (1 - p) * (write - 1)`` in units of the input price. So traffic that comes
back slower than the TTL stops paying write premiums after 3 requests.

TTL: ``5m`` omits the field; ``1h`` gives the anchors 1h where the model and botocore allow it;
``auto`` (the default, it wins the cost benchmark's suite) prices 1h against 5m for every
marker, anchors and tails alike (:func:`_auto_ttls`): the first observed gap between 5 minutes
and an hour moves a prefix. TTLs never increase along tools -> system -> messages, the
caller's included.

Also: identical re-sends count as continuations; a prefix whose tools come back with a new
system prompt on most calls (churn) gets the tools marker only; a large lone first message is
marked on first sight, with an anchor after its bulk when a small question follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..catalog import ModelSpec, Prices
from .memory import AnchorStats, TailHit
from .prefix import TTL_ORDER, Prefix

__all__ = ["Observations", "Plan", "PlannedMarker", "Policy", "plan"]

FIVE_MINUTES = 300.0
ONE_HOUR = 3600.0
#: previous-tail markers are added a little before the lookback limit, to stay clear of it
LOOKBACK_SAFETY = 4
#: requests on a stable prefix before its learnt continuation rate is trusted
MIN_SAMPLES = 3
#: break-even chance of continuation for Claude's 5m write premium, used when prices are unknown
DEFAULT_BREAK_EVEN = 0.25 / 0.9
#: (late gaps, gaps) added to what was observed when estimating the chance of a late reuse
LATE_PRIOR = (0.1, 0.5)
#: the same for conversations' continuations (tails): firmer, a tail pays its 1h premium every turn
CONVERSATION_PRIOR = (0.3, 20.0)


@dataclass(frozen=True)
class Policy:
    ttl: str = "5m"  # "5m" | "1h" | "auto"
    tail: str = "adaptive"  # "adaptive" | "always" | "never"
    #: the model supports 1h and the installed botocore knows the ``ttl`` member
    one_hour_ok: bool = False


@dataclass(frozen=True)
class Observations:
    """What memory knows about this request's prefix (gathered before planning)."""

    previous_tail: TailHit | None = None
    anchor: AnchorStats | None = None
    anchors_mostly_unused: bool = False
    #: deepest earlier message boundary that other requests shared (a stable message prefix)
    shared_boundary: int | None = None
    #: the deepest block a live entry likely covers (an earlier tail or anchor seen lately)
    read_through: int | None = None
    #: seconds since the stable prefix was last used (None: first sighting)
    gap: float | None = None
    #: the request's time (seconds, the installation's clock)
    now: float | None = None
    #: the tools prefix keeps coming back with a system prompt seen for the first time
    #: (per-call data in the system prompt): only the tools are worth a marker
    churn: bool = False


@dataclass(frozen=True)
class PlannedMarker:
    after: int  # block index in the prefix
    ttl: str | None  # None: the default 5m, sent without a ttl field
    reason: str  # "tools-anchor" | "system-anchor" | "shared-prefix" | "tail" | "previous-tail"


@dataclass(frozen=True)
class Plan:
    add: tuple[PlannedMarker, ...] = ()
    #: why candidates were skipped (codes, for info findings and tests)
    notes: tuple[str, ...] = ()
    tail_index: int | None = None
    tail_marked: bool = False


def break_even(prices: Prices | None) -> float:
    """Chance of a read that makes a write premium worth paying."""
    if prices is None or prices.input <= 0:
        return DEFAULT_BREAK_EVEN
    premium = prices.write_5m / prices.input - 1.0
    saving = 1.0 - prices.read / prices.input
    if premium <= 0:
        return 0.0
    return premium / saving if saving > 0 else 1.0


def _last_markable(prefix: Prefix, section: str, cap: int | None = None) -> int | None:
    """The section's last block that may carry a marker (within ``cap`` cached tokens)."""
    for index in range(len(prefix.blocks) - 1, -1, -1):
        block = prefix.blocks[index]
        if block.section != section or not block.markable:
            continue
        if cap is None or prefix.cumulative[index] <= cap:
            return index
    return None


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
    # No evidence yet: a request that already holds an assistant turn is a conversation and
    # likely goes on; a lone first message is not marked until its stable prefix shows that.
    return None if multi_turn else "tail-unproven"


def _gain(p_read: float, prices: Prices | None, one_hour: bool) -> float:
    """Expected saving per request, as a share of input price, of keeping an anchor marked
    when a fraction ``p_read`` of requests come within its TTL (reads) and the rest write."""
    if prices is None or prices.input <= 0:
        read, write = 0.1, 2.0 if one_hour else 1.25
    else:
        write_price = (
            prices.write_1h if one_hour and prices.write_1h is not None else prices.write_5m
        )
        read, write = prices.read / prices.input, write_price / prices.input
    return p_read * (1.0 - read) - (1.0 - p_read) * (write - 1.0)


def _anchor_choice(
    policy: Policy, obs: Observations, prices: Prices | None
) -> tuple[bool, str | None]:
    """(mark the stable anchors?, their TTL). Until 3 requests were seen on a prefix, mark it
    with the policy's TTL; after that, only with a TTL whose observed reuse pays for writes."""
    stats = obs.anchor
    wants_1h = policy.one_hour_ok and policy.ttl == "1h"
    if stats is None or stats.requests < MIN_SAMPLES:
        return True, "1h" if wants_1h else None
    gaps = stats.requests - 1
    options: dict[str | None, float] = {}
    if not wants_1h:
        options[None] = _gain(stats.within_5m / gaps, prices, one_hour=False)
    if policy.one_hour_ok and policy.ttl in ("1h", "auto"):
        options["1h"] = _gain(stats.within_1h / gaps, prices, one_hour=True)
    ttl, gain = max(options.items(), key=lambda item: item[1])
    free_writes = _gain(0.0, prices, one_hour=ttl == "1h") >= 0
    return gain > 0 or free_writes, ttl


def late_share(stats: AnchorStats | None, gap: float | None = None) -> float:
    """Estimated chance that a prefix's next reuse comes after 5 minutes but within the hour:
    the share of such gaps seen between its uses (on a second sighting, the one gap since the
    first: ``gap``), with a weak prior towards 0 (no gap seen: 0.2; the first gap seen late: 0.73,
    so one late gap is enough to move)."""
    gaps = max(stats.requests - 1, 0) if stats is not None else 0
    late = max(stats.within_1h - stats.within_5m, 0) if stats is not None else 0
    if gap is not None and gaps == 0:
        gaps += 1
        late += FIVE_MINUTES < gap <= ONE_HOUR
    return (late + LATE_PRIOR[0]) / (gaps + LATE_PRIOR[1])


def conversation_late_share(
    stats: AnchorStats | None, previous: TailHit | None, now: float | None
) -> float:
    """Estimated chance that a conversation's next turn comes 5-60 minutes after this one: the
    share of such continuations seen on its stable prefix, with a firmer prior than
    :func:`late_share`: a tail's 1h premium is paid on every turn, so a single late turn in a
    chat is not enough to move."""
    gaps = stats.continuations if stats is not None else 0
    late = stats.late_continuations if stats is not None else 0
    return (late + CONVERSATION_PRIOR[0]) / (gaps + CONVERSATION_PRIOR[1])


def _ratios(prices: Prices | None) -> tuple[float, float, float]:
    """(read, 5m write, 1h write) as multiples of the input price."""
    if prices is None or prices.input <= 0:
        return 0.1, 1.25, 2.0
    hour = prices.write_1h if prices.write_1h is not None else prices.write_5m
    return prices.read / prices.input, prices.write_5m / prices.input, hour / prices.input


def _auto_ttls(
    prefix: Prefix, planned: list[PlannedMarker], obs: Observations, prices: Prices | None
) -> list[PlannedMarker]:
    """``ttl="auto"``: price 1h against 5m for every marker, front to back (1h may only lead).

    Giving marker ``j`` 1h costs the extra premium on the part of its segment this request
    writes (nothing when that part is read from an earlier entry), and saves a re-write of the
    whole segment at 5m prices whenever a use comes 5-60 minutes after the previous one
    (chance :func:`late_share` per use; an anchor's entry serves its future uses, counted as
    many as its past ones; a tail is weighed against its next turn,
    :func:`conversation_late_share`). The longest leading run of markers with the best total
    gets 1h."""
    read, five, hour = _ratios(prices)
    p_anchor = late_share(obs.anchor, obs.gap)
    p_conversation = conversation_late_share(obs.anchor, obs.previous_tail, obs.now)
    horizon = max(obs.anchor.requests, 1) if obs.anchor is not None else 1
    read_to = obs.read_through if obs.read_through is not None else -1
    ordered = sorted(planned, key=lambda m: m.after)
    best_k, best, running, previous = 0, 0.0, 0.0, -1
    for k, marker in enumerate(ordered, start=1):
        tail_like = marker.reason in ("tail", "previous-tail")
        # an anchor's 1h entry, kept alive by its reads, spares a re-write at every late gap
        # of its future uses (about as many as it had so far); a tail's premium recurs on
        # every turn, so it is weighed against the next turn only
        p_late = p_conversation if tail_like else p_anchor * horizon
        segment = prefix.tokens_through(marker.after) - prefix.tokens_through(previous)
        written = prefix.tokens_through(marker.after) - prefix.tokens_through(
            max(previous, min(read_to, marker.after))
        )
        if written > 0:  # a marker on a live entry writes nothing: its TTL changes nothing
            running += p_late * (five - read) * segment - (hour - five) * written
        if running > best:
            best_k, best = k, running
        previous = marker.after
    return [
        PlannedMarker(m.after, "1h" if i < best_k else None, m.reason)
        for i, m in enumerate(ordered)
    ]


def _order_ttls(prefix: Prefix, planned: list[PlannedMarker]) -> list[PlannedMarker]:
    """Clamp our TTLs so no TTL exceeds an earlier one (the caller's markers are fixed)."""
    fixed = [(m.after, TTL_ORDER.get(m.ttl or "5m", 0)) for m in prefix.markers]
    out: list[PlannedMarker] = []
    for marker in sorted(planned, key=lambda m: m.after):
        rank = TTL_ORDER[marker.ttl or "5m"]
        earlier = [r for after, r in fixed if after <= marker.after]
        later = [r for after, r in fixed if after > marker.after]
        if earlier:
            rank = min(rank, *earlier)
        if later:
            rank = max(rank, *later)
        ttl = "1h" if rank == 1 else None
        fixed.append((marker.after, rank))
        out.append(PlannedMarker(marker.after, ttl, marker.reason))
    return out


def large_first_message(prefix: Prefix, spec: ModelSpec) -> tuple[bool, int | None]:
    """(a lone first message big enough to be re-read, the block ending its bulk).

    A first user message at least as large as everything in front of it and at least 4x the
    model minimum (a document, a long transcript) is likely asked about again. Alone in the
    request it is marked on first sight (the tail). When its last block is small next to the
    rest (the question after the document), the block before it is a shared anchor too, in
    every turn of the conversation: a new question on the same document reads it, and the
    turns' reads keep it alive."""
    first_message = [
        i for i, b in enumerate(prefix.blocks) if b.section == "messages" and b.path[0] == 0
    ]
    if not first_message:
        return False, None
    first, last = first_message[0], first_message[-1]
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
            consider(_last_markable(prefix, "tools"), "tools-anchor", anchor_ttl)
    elif obs.anchors_mostly_unused and new_anchor:
        notes.append("anchor-unproven")
    elif not mark_anchors:
        notes.append("anchor-reused-too-slowly")
    else:
        if "tools" in spec.sections:
            consider(_last_markable(prefix, "tools"), "tools-anchor", anchor_ttl)
        if "system" in spec.sections:
            consider(_last_markable(prefix, "system"), "system-anchor", anchor_ttl)


def plan(
    prefix: Prefix, spec: ModelSpec, policy: Policy, obs: Observations, prices: Prices | None = None
) -> Plan:
    if not spec.caching or not prefix.blocks:
        return Plan(notes=("model-cannot-cache",) if not spec.caching else ())
    budget = spec.max_markers - len(prefix.markers)
    occupied = {m.after for m in prefix.markers}
    notes: list[str] = []
    candidates: list[PlannedMarker] = []
    mark_anchors, anchor_ttl = _anchor_choice(policy, obs, prices)
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
    tail = _last_markable(prefix, "messages", cap) if "messages" in spec.sections else None
    if obs.churn:
        tail = None
    tail_wanted = False
    if tail is not None:
        conversation = prefix.has_assistant_turn() or large
        why_not = _tail_worth_marking(policy, obs, break_even(prices), conversation)
        if why_not is None:
            tail_wanted = True
            consider(tail, "tail", None)
        else:
            notes.append(why_not)

    previous = _previous_tail_block(prefix, obs.previous_tail)
    if tail_wanted and tail is not None and previous is not None:
        limit = max(0, spec.lookback_blocks - LOOKBACK_SAFETY)
        if tail - previous > limit:
            consider(previous, "previous-tail", None)

    if len(candidates) > max(budget, 0):
        notes.append("over-budget")
        candidates = candidates[: max(budget, 0)]
    if policy.ttl == "auto" and policy.one_hour_ok and candidates:
        candidates = _auto_ttls(prefix, candidates, obs, prices)
    caller_marked = {m.after for m in prefix.markers}
    tail_marked = tail is not None and (
        tail in caller_marked or any(m.reason == "tail" for m in candidates)
    )
    return Plan(tuple(_order_ttls(prefix, candidates)), tuple(notes), tail, tail_marked)


def _previous_tail_block(prefix: Prefix, previous: TailHit | None) -> int | None:
    """Where the previous request's tail marker went: the last markable block of the message
    that ended at ``previous.index`` (memory keys tails by their message end)."""
    if previous is None or not previous.marked or not 0 <= previous.index < len(prefix.blocks):
        return None
    message = prefix.blocks[previous.index].path[0]
    for index in range(previous.index, -1, -1):
        block = prefix.blocks[index]
        if block.section != "messages" or block.path[0] != message:
            return None
        if block.markable:
            return index
    return None
