"""What one Bedrock call did for caching: the record, and the one place its status is decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .frozen import fast_init
from .response.usage import Usage

__all__ = ["HIT_SHARE", "CallRecord", "Status", "classify"]

Status = Literal["hit", "partial", "miss", "uncached", "error"]

#: a call whose cache reads are at least this share of its total input is a "hit"
HIT_SHARE = 0.5


def classify(usage: Usage, markers: int, failed: bool) -> Status:
    """The one place a call's status is decided.

    error: HTTP >= 300 or transport failure. uncached: no markers sent and nothing read or
    written. miss: markers sent or tokens written, nothing read. hit: reads >= 50% of total
    input (uncached + read + write). partial: some reads, under 50%.
    """
    if failed:
        return "error"
    read = usage.cache_read_tokens
    if read > 0:
        return "hit" if read >= HIT_SHARE * usage.total_input_tokens else "partial"
    if markers > 0 or usage.cache_write_tokens > 0:
        return "miss"
    return "uncached"


@fast_init
@dataclass(frozen=True)
class CallRecord:
    """What one Bedrock call did for caching. Counts and ids only, no text."""

    operation: str
    model_id: str
    timestamp: float
    latency_ms: float
    status: Status
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_5m_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    output_tokens: int = 0
    #: cache markers in the request as sent (the caller's plus ours)
    markers: int = 0
    #: markers the hook added
    injected: int = 0
    findings: list[object] = field(default_factory=list)
    #: False for a stream the caller abandoned (or that broke) before its end
    completed: bool = True
    error_code: str | None = None
    #: where the usage numbers came from (see ``Usage.source``)
    usage_source: str = "none"
    request_id: str | None = None
    #: the model's own latency figure when the response carries one (``metrics.latencyMs``)
    server_latency_ms: int | None = None
    #: what the call cost, and what the same tokens would have cost with no caching at all
    cost_usd: float = 0.0
    cost_without_cache_usd: float = 0.0
    #: the rejection code when Bedrock refused what the hook added and the caller's own
    #: request was sent instead (self-healing); None otherwise
    healed: str | None = None
    #: why the call read less than its prefix could have (``diagnosis.MISS_REASONS``); None
    #: on a hit and whenever nothing was missed
    miss_reason: str | None = None
    #: ttl_expired: seconds since the entry was last written or read; tools_changed /
    #: system_changed: the first differing block; messages_changed: the first differing message
    miss_detail: float | None = None
    #: what a hit would have read (Bedrock tokens), and what missing it cost over a hit
    missed_read_tokens: int = 0
    miss_cost_usd: float = 0.0
    #: the planner's reason for each marker it did not place ("tail-below-minimum", ...)
    plan_notes: tuple[str, ...] = ()

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
