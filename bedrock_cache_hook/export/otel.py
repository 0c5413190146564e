"""OpenTelemetry: GenAI usage on the call's span, the hook's own attributes, GenAI metrics.

Turned on by :func:`enable`; this module, and through it
``opentelemetry-api``, is imported only then. Nothing here creates a span or a provider: the
application's tracer and meter providers (or the ones passed to :func:`enable`) get the data.

For each hooked call, the span current while botocore makes the call is remembered, and once
the call's record exists (for a stream or an InvokeModel body: when its usage has passed):

- on the span that OpenTelemetry's botocore instrumentation opened for the call (recognised by
  its ``rpc.system`` / ``rpc.service`` / ``rpc.method`` attributes): the GenAI usage attributes
  it has not set (``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
  ``gen_ai.usage.cache_read.input_tokens``, ``gen_ai.usage.cache_creation.input_tokens``), never
  one it has set, and the hook's attributes under ``bedrock_cache_hook.``. Input tokens are
  counted as that instrumentation counts them: Bedrock's own ``inputTokens``, the uncached
  part, with cache reads and writes in their own attributes;
- on any other recording span (the application's, which may hold many calls): one span event
  ``bedrock_cache_hook.call`` per call with the same attributes, so nothing is overwritten;
- a span that has already ended gets nothing: the metrics below still carry the call.

Metrics (the meter ``bedrock_cache_hook``): ``gen_ai.client.token.usage`` (histogram,
``{token}``) with ``gen_ai.token.type`` = ``cache_read`` / ``cache_creation`` for every call,
and ``input`` / ``output`` for calls the botocore instrumentation did not see (it records
those itself: never counted twice); ``bedrock_cache_hook.calls`` (counter, by status and miss
reason), ``bedrock_cache_hook.cost`` and ``bedrock_cache_hook.cost_without_cache`` (counters,
USD). Attributes: ``gen_ai.system`` = ``aws.bedrock``, ``gen_ai.request.model``,
``gen_ai.operation.name`` = ``chat``. Counts, ids and dollars only, never text.
"""

from __future__ import annotations

import threading
from typing import Any

from opentelemetry.metrics import get_meter
from opentelemetry.trace import get_current_span

from .._version import __version__
from ..activation.state import CALL_OBSERVERS
from ..ledger import CallRecord

__all__ = ["NAMESPACE", "disable", "enable", "is_enabled", "span_attributes"]

#: prefix of the hook's own attributes
NAMESPACE = "bedrock_cache_hook."
#: the span event added to spans that are not the botocore instrumentation's
EVENT_NAME = "bedrock_cache_hook.call"

INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
CACHE_READ_TOKENS = "gen_ai.usage.cache_read.input_tokens"
CACHE_CREATION_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
TOKEN_USAGE = "gen_ai.client.token.usage"

# The semantic conventions' advised buckets for gen_ai.client.token.usage.
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304]

_lock = threading.Lock()
_observer: list[_OtelObserver] = []


def usage_attributes(record: CallRecord) -> dict[str, int]:
    """The GenAI usage attributes of one record (none when it carried no usage)."""
    if record.usage_source == "none":
        return {}
    return {
        INPUT_TOKENS: record.input_tokens,
        OUTPUT_TOKENS: record.output_tokens,
        CACHE_READ_TOKENS: record.cache_read_tokens,
        CACHE_CREATION_TOKENS: record.cache_write_tokens,
    }


def span_attributes(record: CallRecord) -> dict[str, Any]:
    """The hook's own attributes for one record, under :data:`NAMESPACE`."""
    out: dict[str, Any] = {
        NAMESPACE + "status": record.status,
        NAMESPACE + "markers": record.markers,
        NAMESPACE + "markers_added": record.injected,
        NAMESPACE + "usage_source": record.usage_source,
        NAMESPACE + "completed": record.completed,
        NAMESPACE + "cost_usd": record.cost_usd,
        NAMESPACE + "cost_without_cache_usd": record.cost_without_cache_usd,
    }
    reason = getattr(record, "miss_reason", None)
    if isinstance(reason, str):
        out[NAMESPACE + "miss_reason"] = reason
    if record.healed is not None:
        out[NAMESPACE + "healed"] = record.healed
    if record.error_code is not None:
        out[NAMESPACE + "error_code"] = record.error_code
    codes = sorted({str(getattr(f, "code", "")) for f in record.findings} - {""})
    if codes:
        out[NAMESPACE + "findings"] = codes
    return out


def _instrumentation_span(span: Any, operation: str) -> bool:
    """Is this the span OpenTelemetry's botocore instrumentation opened for the call?"""
    attributes = getattr(span, "attributes", None)
    if attributes is None:
        return False
    return bool(
        attributes.get("rpc.system") == "aws-api"
        and attributes.get("rpc.service") == "Bedrock Runtime"
        and attributes.get("rpc.method") == operation
    )


class _OtelObserver:
    def __init__(self, meter_provider: Any | None) -> None:
        meter = get_meter("bedrock_cache_hook", __version__, meter_provider=meter_provider)
        try:
            self.tokens = meter.create_histogram(
                TOKEN_USAGE,
                unit="{token}",
                description="Measures number of input and output tokens used",
                explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
            )
        except TypeError:  # opentelemetry-api before advisory bucket boundaries
            self.tokens = meter.create_histogram(
                TOKEN_USAGE,
                unit="{token}",
                description="Measures number of input and output tokens used",
            )
        self.calls = meter.create_counter(
            NAMESPACE + "calls", unit="{call}", description="Bedrock calls seen by the hook"
        )
        self.cost = meter.create_counter(
            NAMESPACE + "cost", unit="USD", description="What the calls cost"
        )
        self.cost_without_cache = meter.create_counter(
            NAMESPACE + "cost_without_cache",
            unit="USD",
            description="What the same tokens would have cost with no caching",
        )

    def start(self, operation: str, model_id: str) -> Any:
        return get_current_span()

    def finish(self, span: Any, record: CallRecord) -> None:
        instrumented = _instrumentation_span(span, record.operation)
        usage = usage_attributes(record)
        own = span_attributes(record)
        if span.is_recording():
            if instrumented:
                already = getattr(span, "attributes", None) or {}
                span.set_attributes({k: v for k, v in usage.items() if k not in already})
                span.set_attributes(own)
            else:
                span.add_event(
                    EVENT_NAME,
                    {**usage, **own, "gen_ai.request.model": record.model_id},
                )
        self._metrics(record, instrumented, usage)

    def _metrics(self, record: CallRecord, instrumented: bool, usage: dict[str, int]) -> None:
        base = {
            "gen_ai.system": "aws.bedrock",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": record.model_id,
        }
        counts = [("cache_read", CACHE_READ_TOKENS), ("cache_creation", CACHE_CREATION_TOKENS)]
        if not instrumented:
            counts += [("input", INPUT_TOKENS), ("output", OUTPUT_TOKENS)]
        for token_type, key in counts:
            value = usage.get(key)
            if value:
                self.tokens.record(value, {**base, "gen_ai.token.type": token_type})
        call = {**base, NAMESPACE + "status": record.status}
        reason = getattr(record, "miss_reason", None)
        if isinstance(reason, str):
            call[NAMESPACE + "miss_reason"] = reason
        self.calls.add(1, call)
        if record.cost_usd > 0:
            self.cost.add(record.cost_usd, base)
        if record.cost_without_cache_usd > 0:
            self.cost_without_cache.add(record.cost_without_cache_usd, base)


def enable(*, meter_provider: Any | None = None) -> None:
    """Send every hooked call's usage to OpenTelemetry (idempotent; see the module docstring).

    ``meter_provider``: where the metrics go (default: the global one, as set by the
    application, even after this call). Spans are never created: the current one is used.
    """
    with _lock:
        if _observer:
            CALL_OBSERVERS.remove(_observer.pop())
        observer = _OtelObserver(meter_provider)
        _observer.append(observer)
        CALL_OBSERVERS.append(observer)


def disable() -> None:
    with _lock:
        if _observer:
            CALL_OBSERVERS.remove(_observer.pop())


def is_enabled() -> bool:
    return bool(_observer)
