"""Token usage as Bedrock reports it, normalised into one shape.

Raw fields are stored as reported: ``input_tokens`` is the *uncached* input only (Bedrock's
``inputTokens``); cache reads and writes come on top. Every derived total is computed in
:meth:`Usage.total_input_tokens`, nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Usage", "from_converse", "from_headers"]


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    #: the write split by TTL, only when the response reports it (``cacheDetails``)
    cache_write_5m_tokens: int | None = None
    cache_write_1h_tokens: int | None = None
    #: where the numbers came from: "converse", "stream-metadata", "headers", "body", "none"
    source: str = "none"

    @property
    def total_input_tokens(self) -> int:
        """Uncached + cache read + cache write: everything the model was given."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


NO_USAGE = Usage()


def _count(value: Any) -> int:
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
            by_ttl[item["ttl"]] += _count(item.get("inputTokens"))
    return by_ttl["5m"], by_ttl["1h"]


def from_converse(usage: Any, source: str = "converse") -> Usage:
    """Parse a Converse ``usage`` (or ConverseStream ``metadata.usage``) mapping."""
    if not isinstance(usage, Mapping):
        return NO_USAGE
    write_5m, write_1h = _ttl_split(usage.get("cacheDetails"))
    return Usage(
        input_tokens=_count(usage.get("inputTokens")),
        output_tokens=_count(usage.get("outputTokens")),
        cache_read_tokens=_count(usage.get("cacheReadInputTokens")),
        cache_write_tokens=_count(usage.get("cacheWriteInputTokens")),
        cache_write_5m_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
        source=source,
    )


_HEADER_PREFIX = "x-amzn-bedrock-"
_INPUT = _HEADER_PREFIX + "input-token-count"
_OUTPUT = _HEADER_PREFIX + "output-token-count"
_CACHE_READ = _HEADER_PREFIX + "cache-read-input-token-count"
_CACHE_WRITE = _HEADER_PREFIX + "cache-write-input-token-count"


def _header_int(headers: Mapping[str, Any], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return _count(int(str(value).strip()))
    except ValueError:
        return None


def from_headers(headers: Any) -> Usage | None:
    """InvokeModel usage from ``X-Amzn-Bedrock-*-Token-Count`` headers; None when absent."""
    if not isinstance(headers, Mapping):
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    input_tokens = _header_int(lowered, _INPUT)
    if input_tokens is None:
        return None
    return Usage(
        input_tokens=input_tokens,
        output_tokens=_header_int(lowered, _OUTPUT) or 0,
        cache_read_tokens=_header_int(lowered, _CACHE_READ) or 0,
        cache_write_tokens=_header_int(lowered, _CACHE_WRITE) or 0,
        source="headers",
    )
