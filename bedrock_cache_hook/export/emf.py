"""CloudWatch Embedded Metric Format (EMF): per-model sums of call records, one line per model.

Layout of one line (one JSON object, no newlines inside)::

    {"_aws": {"Timestamp": <ms>, "CloudWatchMetrics": [{"Namespace": "<ns>",
        "Dimensions": [["ServiceName", "ModelId"]], "Metrics": [{"Name": "Calls",
        "Unit": "Count"}, ...]}]},
     "ServiceName": "<service>", "ModelId": "<model id as sent>",
     "Calls": 3, "InputTokens": 120, "CacheReadInputTokens": 4000, ...}

Why one line per model: a dimension's value is a single root member of the document, so
one document can only ever carry one ``ModelId``. A flush therefore prints one line per
model seen since the previous flush, and nothing when there were no calls.
``CacheHitRate`` (percent of total input read from cache over the flushed window) is left
out of a line whose calls had no input at all, rather than reported as a misleading 0.
``InputTokens`` is Bedrock's uncached input; total input is Input + CacheRead + CacheWrite.

Why calls missed: after a model's line, one line per miss reason among its flushed calls
(``cold``, ``ttl_expired``, ...), with the dimension set ``[ServiceName, ModelId, MissReason]``
and ``Misses``, ``MissedReadTokens`` and ``MissCostUSD`` (what those misses cost over hits);
the model's line carries ``MissCostUSD`` over all its calls. Numbers and ids only: a line never
holds prompt or response text.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..ledger import CallRecord

__all__ = [
    "MAX_DIMENSION_VALUE_CHARS",
    "MAX_METRICS_PER_DIRECTIVE",
    "METRICS",
    "EmfExporter",
    "namespace_problem",
    "set_per_invocation",
]

#: Published EMF limits (CloudWatch EMF specification).
MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSION_KEYS = 9  # older spec text; the current one allows 30: keep to the stricter
MAX_DIMENSION_VALUE_CHARS = 1024
MAX_NAMESPACE_CHARS = 255

SERVICE_DIMENSION = "ServiceName"
MODEL_DIMENSION = "ModelId"
REASON_DIMENSION = "MissReason"
DIMENSIONS = (SERVICE_DIMENSION, MODEL_DIMENSION)
REASON_DIMENSIONS = (*DIMENSIONS, REASON_DIMENSION)

#: (metric name, CloudWatch unit), in the order they appear on a line.
METRICS: tuple[tuple[str, str], ...] = (
    ("Calls", "Count"),
    ("InputTokens", "Count"),
    ("CacheReadInputTokens", "Count"),
    ("CacheWriteInputTokens", "Count"),
    ("OutputTokens", "Count"),
    ("CacheHitRate", "Percent"),
    ("CostUSD", "None"),
    ("SavingsUSD", "None"),
    ("MissCostUSD", "None"),
)
#: the same for one miss reason's line
REASON_METRICS: tuple[tuple[str, str], ...] = (
    ("Misses", "Count"),
    ("MissedReadTokens", "Count"),
    ("MissCostUSD", "None"),
)
assert len(METRICS) <= MAX_METRICS_PER_DIRECTIVE
assert len(REASON_DIMENSIONS) <= MAX_DIMENSION_KEYS

#: Rounding keeps float noise (a saving of -1e-17) out of the numbers.
_USD_DIGITS = 9
_PERCENT_DIGITS = 3

_NAMESPACE_CHARS = re.compile(r"[0-9A-Za-z.\-_/#: ]+")

Write = Callable[[str], None]


def namespace_problem(namespace: str) -> str | None:
    """Why CloudWatch would refuse ``namespace``, or ``None`` when it is fine."""
    if not namespace.strip():
        return "a namespace must contain a non-space character"
    if len(namespace) > MAX_NAMESPACE_CHARS:
        return f"a namespace is at most {MAX_NAMESPACE_CHARS} characters"
    if not _NAMESPACE_CHARS.fullmatch(namespace):
        return "a namespace may contain only letters, digits, spaces and . - _ / # :"
    if namespace.startswith("AWS/"):
        return "namespaces starting with 'AWS/' are reserved for AWS"
    return None


def dimension_value(value: str, fallback: str = "unknown") -> str:
    """A value CloudWatch accepts as a dimension: printable ASCII, 1..1024 characters."""
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in value)
    cleaned = cleaned[:MAX_DIMENSION_VALUE_CHARS]
    return cleaned if cleaned.strip() else fallback


class _PerInvocation:
    """Set by the Lambda handler wrapper: it flushes after every invocation itself."""

    enabled = False


def set_per_invocation(enabled: bool) -> None:
    """Flush per Lambda invocation (by the wrapper) instead of every N calls."""
    _PerInvocation.enabled = enabled


@dataclass
class _Sums:
    calls: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_without_cache_usd: float = 0.0
    miss_cost_usd: float = 0.0
    #: miss reason -> [misses, missed read tokens, their cost over hits]
    reasons: dict[str, list[float]] = field(default_factory=dict)

    def add(self, record: CallRecord) -> None:
        self.calls += 1
        self.input_tokens += record.input_tokens
        self.cache_read_tokens += record.cache_read_tokens
        self.cache_write_tokens += record.cache_write_tokens
        self.output_tokens += record.output_tokens
        self.cost_usd += record.cost_usd
        self.cost_without_cache_usd += record.cost_without_cache_usd
        reason = record.miss_reason
        if reason is not None:
            self.miss_cost_usd += record.miss_cost_usd
            sums = self.reasons.setdefault(dimension_value(reason), [0, 0, 0.0])
            sums[0] += 1
            sums[1] += record.missed_read_tokens
            sums[2] += record.miss_cost_usd

    def reason_values(self) -> dict[str, dict[str, float]]:
        return {
            reason: {
                "Misses": misses,
                "MissedReadTokens": tokens,
                "MissCostUSD": round(usd, _USD_DIGITS),
            }
            for reason, (misses, tokens, usd) in sorted(self.reasons.items())
        }

    def values(self) -> dict[str, float]:
        total_input = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        values: dict[str, float] = {
            "Calls": self.calls,
            "InputTokens": self.input_tokens,
            "CacheReadInputTokens": self.cache_read_tokens,
            "CacheWriteInputTokens": self.cache_write_tokens,
            "OutputTokens": self.output_tokens,
            "CostUSD": round(self.cost_usd, _USD_DIGITS),
            "SavingsUSD": round(self.cost_without_cache_usd - self.cost_usd, _USD_DIGITS),
            "MissCostUSD": round(self.miss_cost_usd, _USD_DIGITS),
        }
        if total_input:
            rate = 100.0 * self.cache_read_tokens / total_input
            values["CacheHitRate"] = round(rate, _PERCENT_DIGITS)
        return values


def _stdout(line: str) -> None:
    # Looked up at write time: Lambda's runtime and test harnesses replace sys.stdout.
    stream = sys.stdout
    if stream is None:
        return
    stream.write(line + "\n")
    stream.flush()


class EmfExporter:
    """Sums call records per model and prints them as EMF lines on :meth:`flush`.

    Outside the Lambda wrapper it also flushes by itself every ``every`` records.
    """

    def __init__(
        self, namespace: str, service_name: str, every: int, write: Write = _stdout
    ) -> None:
        self.namespace = namespace
        self.service_name = dimension_value(service_name)
        self.every = every
        self._write = write
        self._lock = threading.Lock()
        self._sums: dict[str, _Sums] = {}
        self._pending = 0

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            model = dimension_value(record.model_id)
            sums = self._sums.get(model)
            if sums is None:
                sums = self._sums[model] = _Sums()
            sums.add(record)
            self._pending += 1
            if not _PerInvocation.enabled and self._pending >= self.every:
                self._flush_locked()

    def flush(self) -> None:
        """Print one line per model seen since the last flush; nothing if there were none."""
        with self._lock:
            self._flush_locked()

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's unflushed sums (the parent reports them)."""
        self._lock = threading.Lock()
        self._sums = {}
        self._pending = 0

    def _flush_locked(self) -> None:
        sums, self._sums, self._pending = self._sums, {}, 0
        timestamp = int(time.time() * 1000)
        for model, model_sums in sums.items():
            self._write(self.line(model, model_sums.values(), timestamp))
            for reason, values in model_sums.reason_values().items():
                self._write(self.line(model, values, timestamp, reason))

    def line(
        self, model: str, values: dict[str, float], timestamp: int, reason: str | None = None
    ) -> str:
        """One EMF document: a model's sums, or (``reason``) one miss reason's."""
        known = METRICS if reason is None else REASON_METRICS
        metrics = [{"Name": name, "Unit": unit} for name, unit in known if name in values]
        dimensions: dict[str, str] = {SERVICE_DIMENSION: self.service_name, MODEL_DIMENSION: model}
        if reason is not None:
            dimensions[REASON_DIMENSION] = reason
        document: dict[str, object] = {
            "_aws": {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.namespace,
                        "Dimensions": [list(dimensions)],
                        "Metrics": metrics,
                    }
                ],
            },
            **dimensions,
        }
        document.update((name, values[name]) for name, _ in known if name in values)
        return json.dumps(document, separators=(",", ":"), allow_nan=False)
