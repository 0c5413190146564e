"""Why a call read less than it could have: one reason from a closed set, with its numbers.

Decided from the request's fingerprint, what the diagnosis memory held when it was sent
(:class:`~.memory.Ticket`) and the usage Bedrock reported, in this order:

1. ``healed``: Bedrock refused what the hook added; the caller's own request went out.
2. A hit (reads >= half the input) gets a reason only when an earlier request had cached more
   of its prefix than it read (steps 5 and 6, never ``cold``).
3. No marker in the request: ``below_minimum`` when the whole prompt is under the model's
   minimum, else ``no_marker`` (audit mode, an unknown model, the policy).
4. Markers sent but nothing read or written: ``below_minimum`` (no checkpoint qualified).
5. The longest prefix of this request that an earlier one marked, when it was not read:
   ``lookback_exceeded`` (no marker of this request within the model's lookback of it),
   ``concurrent_write`` (the request that writes it had not responded yet), ``ttl_expired``
   (with the gap in seconds since it was last written or read), else ``unknown``.
6. Against the most similar earlier request: ``model_changed``, ``tools_changed`` /
   ``system_changed`` (first differing block), ``messages_changed`` (first differing
   message, when the conversation shares at least its first message); otherwise ``cold``.
   A partial read with nothing changed has no reason (new content after a cached prefix).

``missed_read_tokens`` is what a hit would have read, in Bedrock's tokens (estimates scaled by
the call's real total): the unread part of the earlier marked prefix, what this call wrote when
it was ``cold``, or the prefix shared with the earlier request under ``no_marker``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..frozen import fast_init
from ..request.prefix import FIVE_MINUTES, TTL_SECONDS
from .fingerprint import Fingerprint, first_difference
from .memory import Ticket

__all__ = ["MISS_REASONS", "Diagnosis", "MissReason", "diagnose"]

MissReason = Literal[
    "cold",
    "ttl_expired",
    "model_changed",
    "tools_changed",
    "system_changed",
    "messages_changed",
    "below_minimum",
    "lookback_exceeded",
    "no_marker",
    "marker_rejected",
    "healed",
    "concurrent_write",
    "unknown",
]
MISS_REASONS: tuple[str, ...] = MissReason.__args__  # type: ignore[attr-defined]

#: an earlier marked prefix counts as read when the reads cover this share of its estimate,
#: or of its size when a response reported it
_READ_SHARE = 0.9
_KNOWN_SHARE = 0.99


@fast_init
@dataclass(frozen=True)
class Diagnosis:
    reason: MissReason | None = None
    #: ttl_expired: the gap in seconds; *_changed: the first differing block / message index
    detail: float | None = None
    missed_read_tokens: int = 0


NONE = Diagnosis()


def _scale(fp: Fingerprint, total_input: int) -> float:
    return total_input / fp.estimated_tokens if fp.estimated_tokens > 0 else 1.0


def _changed(fp: Fingerprint, previous: Fingerprint, read: int, scale: float) -> Diagnosis | None:
    missed = max(0, round(min(previous.longest_mark_tokens, fp.estimated_tokens) * scale) - read)
    same_content = (previous.tools, previous.system) == (fp.tools, fp.system)
    if previous.model != fp.model and same_content:
        return Diagnosis("model_changed", None, missed)
    if previous.model != fp.model:
        return None
    tools = first_difference(previous.tools, fp.tools)
    if tools is not None:
        return Diagnosis("tools_changed", tools, missed)
    system = first_difference(previous.system, fp.system)
    if system is not None:
        return Diagnosis("system_changed", system, missed)
    message = first_difference(previous.messages, fp.messages)
    if message is not None and 0 < message < len(previous.messages):
        return Diagnosis("messages_changed", message, missed)
    return None


def diagnose(
    ticket: Ticket,
    *,
    input_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    markers: int,
    hit: bool,
    healed: bool,
) -> Diagnosis:
    if healed:
        return Diagnosis("healed")
    fp = ticket.fingerprint
    read = cache_read_tokens
    total = input_tokens + cache_read_tokens + cache_write_tokens
    scale = _scale(fp, total)
    if markers == 0 and not hit:
        if fp.min_tokens and total < fp.min_tokens:
            return Diagnosis("below_minimum")
        shared = fp.shared_tokens(ticket.previous) if ticket.previous is not None else 0
        return Diagnosis("no_marker", None, round(shared * scale))
    if read == 0 and cache_write_tokens == 0 and markers:
        return Diagnosis("below_minimum")
    seen = ticket.seen
    # its size as Bedrock reported it when known, else the estimate at this call's scale
    # (estimates err differently per section: a long history skews the call's scale)
    size = (seen.real or seen.tokens * scale) if seen is not None else 0.0
    share = _KNOWN_SHARE if seen is not None and seen.real else _READ_SHARE
    if seen is not None and read < share * size:
        missed = max(0, round(size) - read)
        later = [index - seen.index for _, index, _ in fp.marks if index >= seen.index]
        if not later or min(later) > fp.lookback:
            return Diagnosis("lookback_exceeded", None, missed)
        if not seen.responded:
            return Diagnosis("concurrent_write", None, missed)
        gap = ticket.now - seen.last_seen
        if gap >= TTL_SECONDS.get(seen.ttl, FIVE_MINUTES):
            return Diagnosis("ttl_expired", round(gap, 3), missed)
        return Diagnosis("unknown", None, missed)
    if ticket.previous is not None:
        changed = _changed(fp, ticket.previous, read, scale)
        if changed is not None and (changed.missed_read_tokens > 0 or not hit):
            return changed
    if read == 0 and not hit:
        return Diagnosis("cold", None, cache_write_tokens)
    return NONE
