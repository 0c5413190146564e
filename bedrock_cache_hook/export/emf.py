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

from ..ledger import CallRecord, ModelSummary, ReasonSummary, Totals

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


def _values(totals: ModelSummary) -> dict[str, float]:
    """A model's line: its flushed calls' sums."""
    values: dict[str, float] = {
        "Calls": totals.calls,
        "InputTokens": totals.input_tokens,
        "CacheReadInputTokens": totals.cache_read_tokens,
        "CacheWriteInputTokens": totals.cache_write_tokens,
        "OutputTokens": totals.output_tokens,
        "CostUSD": round(totals.cost_usd, _USD_DIGITS),
        "SavingsUSD": round(totals.savings_usd, _USD_DIGITS),
        "MissCostUSD": round(totals.miss_cost_usd, _USD_DIGITS),
    }
    total_input = totals.total_input_tokens
    if total_input:
        rate = 100.0 * totals.cache_read_tokens / total_input
        values["CacheHitRate"] = round(rate, _PERCENT_DIGITS)
    return values


def _reason_values(reason: ReasonSummary) -> dict[str, float]:
    """One miss reason's line."""
    return {
        "Misses": reason.calls,
        "MissedReadTokens": reason.missed_read_tokens,
        "MissCostUSD": round(reason.miss_cost_usd, _USD_DIGITS),
    }


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
        self._sums: dict[str, Totals] = {}
        self._pending = 0

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            model = dimension_value(record.model_id)
            sums = self._sums.get(model)
            if sums is None:
                sums = self._sums[model] = Totals()
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
            totals = model_sums.freeze()
            self._write(self.line(model, _values(totals), timestamp))
            for reason, by_reason in totals.by_reason.items():
                self._write(
                    self.line(model, _reason_values(by_reason), timestamp, dimension_value(reason))
                )

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
