"""Token usage as Bedrock reports it, normalised into one shape.

Raw fields are stored as reported: ``input_tokens`` is the *uncached* input only (Bedrock's
``inputTokens``); cache reads and writes come on top. Every derived total is computed in
:meth:`Usage.total_input_tokens`, nowhere else.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "InvokeStreamUsage",
    "Usage",
    "count",
    "from_anthropic",
    "from_converse",
    "from_invocation_metrics",
    "from_invoke_body",
    "from_nova",
]


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    #: the write split by TTL, only when the response reports it (``cacheDetails``)
    cache_write_5m_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    #: where the numbers came from: "converse", "stream-metadata" (ConverseStream),
    #: "headers" / "body" (InvokeModel), "stream-events" / "stream-metrics"
    #: (InvokeModelWithResponseStream), "none"
    source: str = "none"

    @property
    def total_input_tokens(self) -> int:
        """Uncached + cache read + cache write: everything the model was given."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


NO_USAGE = Usage()


def count(value: Any) -> int:
    """A token count from the wire; anything that is not a non-negative int counts as 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value


def _ttl_split(details: Any) -> tuple[int | None, int | None]:
    if not isinstance(details, list):
        return None, None
    by_ttl = {"5m": 0, "1h": 0}
    for item in details:
        if isinstance(item, Mapping) and item.get("ttl") in by_ttl:
            by_ttl[item["ttl"]] += count(item.get("inputTokens"))
    return by_ttl["5m"], by_ttl["1h"]


def _read(
    usage: Mapping[str, Any],
    names: tuple[str, str, str, str],
    split: tuple[int | None, int | None],
    source: str,
) -> Usage:
    """A ``Usage`` from the wire's names for (uncached input, output, cache read, cache
    write) and the write's split by TTL."""
    uncached, output, read, write = (count(usage.get(name)) for name in names)
    return Usage(uncached, output, read, write, *split, source=source)


_CONVERSE_NAMES = ("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")
_ANTHROPIC_NAMES = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def from_converse(usage: Any, source: str = "converse") -> Usage:
    """Parse a Converse ``usage`` (or ConverseStream ``metadata.usage``) mapping."""
    if not isinstance(usage, Mapping):
        return NO_USAGE
    return _read(usage, _CONVERSE_NAMES, _ttl_split(usage.get("cacheDetails")), source)


def from_anthropic(usage: Any, source: str = "body") -> Usage | None:
    """An Anthropic Messages ``usage`` (InvokeModel body, stream ``message_start``)."""
    if not isinstance(usage, Mapping) or "input_tokens" not in usage:
        return None
    creation = usage.get("cache_creation")
    split: tuple[int | None, int | None] = (None, None)
    if isinstance(creation, Mapping):
        split = (
            count(creation.get("ephemeral_5m_input_tokens")),
            count(creation.get("ephemeral_1h_input_tokens")),
        )
    return _read(usage, _ANTHROPIC_NAMES, split, source)


def from_nova(usage: Any, source: str = "body") -> Usage | None:
    """A Nova InvokeModel ``usage`` (body, or stream ``metadata.usage``)."""
    if not isinstance(usage, Mapping) or "inputTokens" not in usage:
        return None
    return Usage(
        input_tokens=count(usage.get("inputTokens")),
        output_tokens=count(usage.get("outputTokens")),
        cache_read_tokens=count(
            usage.get("cacheReadInputTokenCount", usage.get("cacheReadInputTokens"))
        ),
        cache_write_tokens=count(
            usage.get("cacheWriteInputTokenCount", usage.get("cacheWriteInputTokens"))
        ),
        source=source,
    )


def from_invoke_body(payload: Any) -> Usage | None:
    """Usage from an InvokeModel response body (bytes or parsed): Anthropic or Nova shape."""
    if isinstance(payload, bytes | bytearray | str):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
    usage = payload.get("usage") if isinstance(payload, Mapping) else None
    return from_anthropic(usage) or from_nova(usage)


_METRICS_KEY = "amazon-bedrock-invocationMetrics"
_METRICS_NAMES = (
    "inputTokenCount",
    "outputTokenCount",
    "cacheReadInputTokenCount",
    "cacheWriteInputTokenCount",
)


def from_invocation_metrics(metrics: Any) -> Usage | None:
    """The ``amazon-bedrock-invocationMetrics`` of a stream's last chunk."""
    if not isinstance(metrics, Mapping) or "inputTokenCount" not in metrics:
        return None
    return _read(metrics, _METRICS_NAMES, (None, None), "stream-metrics")


class InvokeStreamUsage:
    """Usage of one InvokeModelWithResponseStream, gathered from its decoded chunk events.

    Precedence: the model's own usage events (Anthropic ``message_start.message.usage`` for
    input and cache fields, ``message_delta.usage`` for the final output count; Nova
    ``metadata.usage``) over Bedrock's ``amazon-bedrock-invocationMetrics``. Reasons: the
    events' field names and meaning (``input_tokens`` = uncached input) are documented,
    while the metrics' cache keys are not (reference section 5), so trusting the metrics
    first would silently zero the cache counts if those keys differ: the very loss most
    tracers suffer on streams; only the events split writes by TTL (1h writes cost more);
    and it is how ConverseStream reports. The metrics are used when no usage event came
    (``source="stream-metrics"``), and fill the cache counts when the events carried no
    cache field at all. ``source="stream-events"`` otherwise.
    """

    def __init__(self) -> None:
        self.events: Usage | None = None
        self.events_have_cache = False
        self.metrics: Usage | None = None
        self.latency_ms: int | None = None

    def observe(self, event: Any) -> bool:
        """Take one decoded chunk event; True once it is the stream's final one."""
        if not isinstance(event, Mapping):
            return False
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message")
            usage = message.get("usage") if isinstance(message, Mapping) else None
            self._events(from_anthropic(usage, "stream-events"), usage)
        elif kind == "message_delta":
            self._delta(event.get("usage"))
        elif isinstance(event.get("metadata"), Mapping):
            usage = event["metadata"].get("usage")
            self._events(from_nova(usage, "stream-events"), usage)
        metrics = event.get(_METRICS_KEY)
        if isinstance(metrics, Mapping):
            self.metrics = from_invocation_metrics(metrics) or self.metrics
            latency = metrics.get("invocationLatency")
            if isinstance(latency, int) and not isinstance(latency, bool):
                self.latency_ms = latency
        return metrics is not None or kind == "message_stop" or "metadata" in event

    def _events(self, usage: Usage | None, raw: Any) -> None:
        if usage is None:
            return
        self.events = usage
        self.events_have_cache = isinstance(raw, Mapping) and any(
            key in raw
            for key in (
                "cache_read_input_tokens",
                "cache_creation_input_tokens",
                "cacheReadInputTokenCount",
                "cacheWriteInputTokenCount",
            )
        )

    def _delta(self, usage: Any) -> None:
        """``message_delta.usage``: the final output count (and cumulative input fields,
        when a newer API version sends them)."""
        base = self.events
        if base is None or not isinstance(usage, Mapping):
            return  # no message_start seen: the invocation metrics will have to do
        merged = from_anthropic({**_anthropic_fields(base), **usage}, "stream-events")
        if merged is not None:
            if base.cache_write_5m_tokens is not None and "cache_creation" not in usage:
                merged = dataclasses.replace(
                    merged,
                    cache_write_5m_tokens=base.cache_write_5m_tokens,
                    cache_write_1h_tokens=base.cache_write_1h_tokens,
                )
            self.events = merged
            self.events_have_cache = self.events_have_cache or any(
                key in usage for key in ("cache_read_input_tokens", "cache_creation_input_tokens")
            )

    def result(self) -> Usage:
        events, metrics = self.events, self.metrics
        if events is None:
            return metrics or NO_USAGE
        if metrics is not None and not self.events_have_cache:
            return dataclasses.replace(
                events,
                cache_read_tokens=metrics.cache_read_tokens,
                cache_write_tokens=metrics.cache_write_tokens,
            )
        return events


def _anthropic_fields(usage: Usage) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }
