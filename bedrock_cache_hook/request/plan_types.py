"""What the planner is given and what it returns."""

from __future__ import annotations

from dataclasses import dataclass

from ..frozen import fast_init
from .memory import AnchorStats, TailHit

__all__ = ["Observations", "Plan", "PlannedMarker", "Policy"]


@fast_init
@dataclass(frozen=True)
class Policy:
    ttl: str = "5m"  # "5m" | "1h" | "auto"
    tail: str = "adaptive"  # "adaptive" | "always" | "never"
    #: the model supports 1h and the installed botocore knows the ``ttl`` member
    one_hour_ok: bool = False


@fast_init
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
    #: across prefixes: (lone first messages seen, how many a later request continued)
    first_messages: tuple[int, int] = (0, 0)


@fast_init
@dataclass(frozen=True)
class PlannedMarker:
    after: int  # block index in the prefix
    ttl: str | None  # None: the default 5m, sent without a ttl field
    reason: str  # "tools-anchor" | "system-anchor" | "shared-prefix" | "tail" | "previous-tail"


@fast_init
@dataclass(frozen=True)
class Plan:
    add: tuple[PlannedMarker, ...] = ()
    #: why candidates were skipped (codes, for info findings and tests)
    notes: tuple[str, ...] = ()
    tail_marked: bool = False
    #: the tail's marker (ours or the caller's) asks for 1h
    tail_hour: bool = False
