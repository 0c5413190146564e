"""One call's record: its usage as reported, its dollars and why it missed, in one place."""

from __future__ import annotations

from ..catalog import cost
from ..diagnosis import Diagnosis
from ..diagnosis.cost import miss_cost
from ..ledger import CallRecord, Status
from ..request.processor import RequestOutcome
from .usage import Usage

__all__ = ["dollars", "make_record"]


def dollars(outcome: RequestOutcome, usage: Usage) -> tuple[float, float]:
    """(billed, without caching) for one call; zeros when the model's prices are unknown."""
    resolution = outcome.resolution
    prices = resolution.prices if resolution is not None else None
    if resolution is None or prices is None:
        return 0.0, 0.0
    write_5m, write_1h = usage.cache_write_5m_tokens, usage.cache_write_1h_tokens
    if write_5m is None or write_1h is None or write_5m + write_1h != usage.cache_write_tokens:
        one_hour = outcome.write_ttl == "1h"
        write_5m = 0 if one_hour else usage.cache_write_tokens
        write_1h = usage.cache_write_tokens if one_hour else 0
    return cost(
        prices,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_5m_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
        multiplier=resolution.price_multiplier,
    )


def make_record(
    outcome: RequestOutcome,
    usage: Usage,
    *,
    operation: str,
    model_id: str,
    timestamp: float,
    latency_ms: float,
    status: Status,
    diagnosis: Diagnosis,
    completed: bool,
    error_code: str | None,
    request_id: str | None,
    server_latency_ms: int | None,
    healed: str | None,
) -> CallRecord:
    cost_usd, cost_without_cache_usd = dollars(outcome, usage)
    return CallRecord(
        operation=operation,
        model_id=model_id,
        timestamp=timestamp,
        latency_ms=latency_ms,
        status=status,
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_write_5m_tokens=usage.cache_write_5m_tokens,
        cache_write_1h_tokens=usage.cache_write_1h_tokens,
        output_tokens=usage.output_tokens,
        markers=outcome.markers,
        injected=outcome.injected,
        findings=list(outcome.findings),
        completed=completed,
        error_code=error_code,
        usage_source=usage.source,
        request_id=request_id,
        server_latency_ms=server_latency_ms,
        cost_usd=cost_usd,
        cost_without_cache_usd=cost_without_cache_usd,
        healed=healed,
        miss_reason=diagnosis.reason,
        miss_detail=diagnosis.detail,
        missed_read_tokens=diagnosis.missed_read_tokens,
        miss_cost_usd=miss_cost(
            usage, diagnosis.missed_read_tokens, lambda u: dollars(outcome, u)[0]
        ),
        plan_notes=outcome.plan_notes,
    )
