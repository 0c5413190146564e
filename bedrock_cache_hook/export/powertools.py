"""Send the hook's metrics through an application's AWS Lambda Powertools ``Metrics``.

For an application that already flushes one EMF document per invocation with Powertools
(``@metrics.log_metrics``): each call's numbers are added to that ``Metrics`` object, under
its namespace, service and dimensions, instead of separate EMF lines of ours (leave
``BEDROCK_CACHE_HOOK_EMF`` unset). Powertools itself is never imported here: the object is
the application's, and units are passed as Powertools' unit names.

Metrics, one value per call (CloudWatch's ``Sum`` adds them up over any period): ``<prefix>Calls``,
``<prefix>InputTokens`` (uncached), ``<prefix>CacheReadInputTokens``,
``<prefix>CacheWriteInputTokens``, ``<prefix>OutputTokens`` (Count), ``<prefix>CostUSD`` and
``<prefix>SavingsUSD`` (None; savings may be negative when writes were never read),
``<prefix>MissCostUSD`` (None: what a miss cost over a hit; 0 on hits). A
Powertools document has one set of dimensions, so there is no ``ModelId`` dimension here:
per-model numbers stay in the ledger, the JSON lines and our own EMF lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ledger import CallRecord, Ledger, get_ledger

__all__ = ["DEFAULT_PREFIX", "send_to"]

DEFAULT_PREFIX = "Bedrock"


def _values(record: CallRecord) -> list[tuple[str, str, float]]:
    return [
        ("Calls", "Count", 1),
        ("InputTokens", "Count", record.input_tokens),
        ("CacheReadInputTokens", "Count", record.cache_read_tokens),
        ("CacheWriteInputTokens", "Count", record.cache_write_tokens),
        ("OutputTokens", "Count", record.output_tokens),
        ("CostUSD", "None", record.cost_usd),
        ("SavingsUSD", "None", record.cost_without_cache_usd - record.cost_usd),
        ("MissCostUSD", "None", record.miss_cost_usd),
    ]


def send_to(
    metrics: Any, *, ledger: Ledger | None = None, prefix: str = DEFAULT_PREFIX
) -> Callable[[], None]:
    """Add every call recorded in ``ledger`` (default: the process ledger) from now on to
    ``metrics``, a Powertools ``Metrics``; returns a function that stops it."""
    add_metric = getattr(metrics, "add_metric", None)
    if not callable(add_metric):
        raise TypeError(
            f"send_to() takes an aws_lambda_powertools Metrics object, got {type(metrics).__name__}"
        )

    def listener(record: CallRecord) -> None:
        for name, unit, value in _values(record):
            add_metric(name=prefix + name, unit=unit, value=value)

    return (get_ledger() if ledger is None else ledger).subscribe(listener)
