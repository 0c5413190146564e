"""What an online planner could not know: when each call's prefix had last been sent.

For every call, the *reuse gap*: seconds since an earlier call last sent the longest prefix
(at a block boundary, for the same model) that this call shares with earlier ones; ``None``
when it shares none (a first sighting). A call whose reuse gap exceeds 5 minutes reads only
what was written for 1h before that gap was known. The bound, with its foresight, wrote it so;
the hook could only have guessed. :func:`foresight` sums the hook's cost over the bound on
those two kinds of calls, so a missed target can be told apart from a planner mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..request.prefix import FIVE_MINUTES
from ..sim.cache import prefix_hashes
from .bound import prompt_of
from .trace import Trace

__all__ = ["foresight", "reuse_gaps"]


def reuse_gaps(trace: Trace) -> list[float | None]:
    """Per call, seconds since its longest previously sent prefix was last sent (or None)."""
    last_sent: dict[tuple[str, bytes], float] = {}
    out: list[float | None] = []
    for call in trace.calls:
        model, _, prompt = prompt_of(call.operation, call.kwargs)
        keys = [(model, h) for h in prefix_hashes(prompt)]
        seen = next((last_sent[k] for k in reversed(keys) if k in last_sent), None)
        out.append(None if seen is None else call.at - seen)
        for key in keys:
            last_sent[key] = call.at
    return out


def foresight(
    gaps: Sequence[float | None], over_bound: Sequence[float], bound: float
) -> dict[str, Any]:
    """The hook's cost over the bound (per call: ``over_bound``; the bound's total: ``bound``)
    on first sightings, on late reuses (a reuse gap over 5 minutes) and on the rest, and the
    ratio to the bound had the hook matched it on the first two (``vs_bound_rest_only``)."""
    total_over = sum(over_bound)
    first = [over for gap, over in zip(gaps, over_bound, strict=True) if gap is None]
    late = [
        over
        for gap, over in zip(gaps, over_bound, strict=True)
        if gap is not None and gap > FIVE_MINUTES
    ]
    rest = total_over - sum(first) - sum(late)
    return {
        "first_sight": {"calls": len(first), "over_bound_usd": round(sum(first), 6)},
        "late_reuse": {"calls": len(late), "over_bound_usd": round(sum(late), 6)},
        "other": {
            "calls": len(gaps) - len(first) - len(late),
            "over_bound_usd": round(rest, 6),
        },
        "total_over_bound_usd": round(total_over, 6),
        "vs_bound_rest_only": round((bound + rest) / bound, 4) if bound > 0 else 1.0,
    }
