"""What a marker is worth: the expected saving of 5m or 1h against none, from prices and what
memory has seen of a prefix's reuse (the planner's economics; :mod:`.planner` places), and
the rule every TTL choice ends with: TTLs never increase along the prefix."""

from __future__ import annotations

from operator import attrgetter

from ..catalog import Prices
from .memory import AnchorStats, TailHit
from .plan_types import Observations, PlannedMarker, Policy
from .prefix import FIVE_MINUTES, ONE_HOUR, TTL_ORDER, Prefix

#: requests on a stable prefix before its learnt continuation rate is trusted
MIN_SAMPLES = 3
#: break-even chance of continuation for Claude's 5m write premium, used when prices are unknown
DEFAULT_BREAK_EVEN = 0.25 / 0.9
#: (late gaps, gaps) added to what was observed when estimating the chance of a late reuse
LATE_PRIOR = (0.1, 0.5)
#: the same for conversations' continuations (tails): firmer, a tail pays its 1h premium every turn
CONVERSATION_PRIOR = (0.1, 12.0)


def break_even(prices: Prices | None) -> float:
    """Chance of a read that makes a write premium worth paying."""
    return _ratios(prices)[3]


def _break_even(prices: Prices | None) -> float:
    if prices is None or prices.input <= 0:
        return DEFAULT_BREAK_EVEN
    premium = prices.write_5m / prices.input - 1.0
    saving = 1.0 - prices.read / prices.input
    if premium <= 0:
        return 0.0
    return premium / saving if saving > 0 else 1.0


def _gain(p_read: float, prices: Prices | None, one_hour: bool) -> float:
    """Expected saving per request, as a share of input price, of keeping an anchor marked
    when a fraction ``p_read`` of requests come within its TTL (reads) and the rest write."""
    read, five, hour, _ = _ratios(prices)
    return p_read * (1.0 - read) - (1.0 - p_read) * ((hour if one_hour else five) - 1.0)


def anchor_choice(
    policy: Policy, obs: Observations, prices: Prices | None
) -> tuple[bool, str | None]:
    """(mark the stable anchors?, their TTL). Until 3 requests were seen on a prefix, mark it
    with the policy's TTL; after that, only with a TTL whose observed reuse pays for writes."""
    stats = obs.anchor
    wants_1h = policy.one_hour_ok and policy.ttl == "1h"
    if stats is None or stats.requests < MIN_SAMPLES:
        return True, "1h" if wants_1h else None
    gaps = stats.requests - 1
    ttl: str | None = None
    gain = 0.0
    if not wants_1h:
        gain = _gain(stats.within_5m / gaps, prices, one_hour=False)
    if policy.one_hour_ok and policy.ttl in ("1h", "auto"):
        hour = _gain(stats.within_1h / gaps, prices, one_hour=True)
        if wants_1h or hour > gain:  # on a tie the 5m entry, the cheaper write
            ttl, gain = "1h", hour
    free_writes = _gain(0.0, prices, one_hour=ttl == "1h") >= 0
    return gain > 0 or free_writes, ttl


def late_share(stats: AnchorStats | None, gap: float | None = None) -> float:
    """Estimated chance that a prefix's next reuse comes after 5 minutes but within the hour:
    the share of such gaps seen between its uses (on a second sighting, the one gap since the
    first: ``gap``), with a weak prior towards 0 (no gap seen: 0.2; the first gap seen late: 0.73,
    so one late gap is enough to move). On a busy prefix the gap ending now is not counted: a
    lone late gap among many quick ones (a session boundary) rarely comes back, and paying
    1h on it lost more than it saved on the benchmark's document, re-send and compaction
    traffic."""
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


def _ratios(prices: Prices | None) -> tuple[float, float, float, float]:
    """(read, 5m write, 1h write) as multiples of the input price, and the break-even chance
    of a read; kept per prices object (asked several times per request)."""
    held = _RATIOS.get(id(prices))
    if held is not None and held[0] is prices:
        return held[1]
    if prices is None or prices.input <= 0:
        ratios = (0.1, 1.25, 2.0, _break_even(prices))
    else:
        hour = prices.write_1h if prices.write_1h is not None else prices.write_5m
        ratios = (
            prices.read / prices.input,
            prices.write_5m / prices.input,
            hour / prices.input,
            _break_even(prices),
        )
    if len(_RATIOS) >= _RATIOS_KEPT:
        _RATIOS.clear()
    _RATIOS[id(prices)] = (prices, ratios)
    return ratios


#: id(prices) -> (the prices, their ratios): the identity check makes a reused id harmless
_RATIOS: dict[int, tuple[Prices | None, tuple[float, float, float, float]]] = {}
_RATIOS_KEPT = 256


def _held_for_the_hour(obs: Observations) -> int:
    """The block the stable prefix's 1h entry is believed to end at, while it lives; -1."""
    if obs.anchor is None or obs.now is None:
        return -1
    return obs.anchor.hour_entry(obs.now)


def _protected_through(prefix: Prefix, obs: Observations, held: int) -> int:
    """Tokens this request's prefix holds in a 1h entry that it reads and so keeps alive (an
    earlier turn's 1h tail, the stable prefix's 1h entry ending at ``held``): a late next
    turn reads them whatever this request marks."""
    if obs.now is None:
        return 0
    deepest = held
    previous = obs.previous_tail
    if previous is not None and previous.hour and obs.now - previous.seen < ONE_HOUR:
        deepest = max(deepest, previous.index)
    if not 0 <= deepest < len(prefix.blocks):
        return 0
    return prefix.tokens_through(deepest)


def auto_ttls(
    prefix: Prefix, planned: list[PlannedMarker], obs: Observations, prices: Prices | None
) -> list[PlannedMarker]:
    """``ttl="auto"``: price 1h against 5m for every marker, front to back (1h may only lead).

    Giving the first ``k`` markers 1h costs the extra premium on what this request writes under
    them (nothing where it reads an earlier entry), and saves a re-write at 5m prices of each
    segment a use 5-60 minutes later would need again:

    * an anchor's segment, when this request writes it: its entry serves its future uses
      (counted as many as its past ones), each late with chance :func:`late_share`;
    * with a tail among the ``k``: its entry holds the whole prefix, so a late next turn
      (chance :func:`conversation_late_share`) reads every segment in front of it, except what
      a live 1h entry this request reads already keeps (an earlier turn's 1h tail, or the
      stable prefix's own 1h entry: a late turn reads those whatever this tail asks).

    The ``k`` with the best total gets 1h (none when no total is positive); the markers on
    what the stable prefix's 1h entry is believed to hold keep 1h whatever the total."""
    read, five, hour, _ = _ratios(prices)
    anchor = obs.anchor
    p_anchor = late_share(anchor, obs.gap)
    p_conversation = conversation_late_share(anchor, obs.previous_tail, obs.now)
    own_uses = p_anchor * (max(anchor.requests, 1) if anchor is not None else 1)
    read_to = obs.read_through if obs.read_through is not None else -1
    held = _held_for_the_hour(obs)
    protected = _protected_through(prefix, obs, held)
    ordered = sorted(planned, key=_AFTER)
    gain, premium = five - read, hour - five
    tokens = prefix.tokens_through
    # one pass, front to back: the total for the first k markers at 1h, both as if no writing
    # tail were among them and as if one were (then every segment is worth a late next turn)
    best_k, best = 0, 0.0
    alone = with_turn = 0.0
    turn = False
    previous = -1
    for k, marker in enumerate(ordered, 1):
        after = marker.after
        start, through = tokens(previous), tokens(after)
        written = through - tokens(max(previous, min(read_to, after)))
        written = written if written > 0 else 0
        tail = marker.reason in _TAILS
        own = own_uses if written > 0 and not tail else 0.0
        at_risk = through - (start if start > protected else protected)
        at_risk = at_risk if at_risk > 0 else 0
        cost = premium * written
        alone += own * gain * at_risk - cost
        with_turn += (own if own > p_conversation else p_conversation) * gain * at_risk - cost
        turn = turn or (tail and written > 0)
        total = with_turn if turn else alone
        if total > best:
            best_k, best = k, total
        previous = after
    # what the stable prefix's 1h entry is believed to hold keeps 1h: free where it is read
    # (a read keeps the entry's TTL), and where the belief was wrong it makes it true
    kept = sum(1 for marker in ordered if marker.after <= held)
    best_k = max(best_k, kept)
    out = []
    for i, marker in enumerate(ordered):
        ttl = "1h" if i < best_k else None
        out.append(marker if marker.ttl == ttl else PlannedMarker(marker.after, ttl, marker.reason))
    return out


_AFTER = attrgetter("after")
#: markers that follow a conversation (their premium recurs on every turn)
_TAILS = ("tail", "previous-tail")


def order_ttls(prefix: Prefix, planned: list[PlannedMarker]) -> list[PlannedMarker]:
    """Clamp our TTLs so no TTL exceeds an earlier one (the caller's markers are fixed): each
    of ours is at most every marker before it, ours included, and at least every caller's
    marker after it."""
    fixed = [(m.after, TTL_ORDER.get(m.ttl or "5m", 0)) for m in prefix.markers]
    out: list[PlannedMarker] = []
    ceiling = 1  # the lowest rank among ours so far (they are placed front to back)
    for marker in sorted(planned, key=_AFTER) if len(planned) > 1 else planned:
        rank = TTL_ORDER[marker.ttl or "5m"]
        rank = rank if rank < ceiling else ceiling
        if fixed:
            rank = min([rank, *(r for after, r in fixed if after <= marker.after)])
            rank = max([rank, *(r for after, r in fixed if after > marker.after)])
        ceiling = min(ceiling, rank)
        ttl = "1h" if rank == 1 else None
        out.append(marker if marker.ttl == ttl else PlannedMarker(marker.after, ttl, marker.reason))
    return out
