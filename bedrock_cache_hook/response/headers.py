"""InvokeModel usage and latency from Bedrock's ``X-Amzn-Bedrock-*`` response headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .usage import Usage, count

__all__ = ["from_headers", "header_latency", "headers_carry_cache"]

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
        return count(int(str(value).strip()))
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


_LATENCY = _HEADER_PREFIX + "invocation-latency"


def _lowered(headers: Any) -> Mapping[str, Any]:
    if not isinstance(headers, Mapping):
        return {}
    return {str(k).lower(): v for k, v in headers.items()}


def headers_carry_cache(headers: Any) -> bool:
    """Whether the cache token headers are present (not merely the input count)."""
    lowered = _lowered(headers)
    return _CACHE_READ in lowered or _CACHE_WRITE in lowered


def header_latency(headers: Any) -> int | None:
    """``X-Amzn-Bedrock-Invocation-Latency`` in milliseconds, when present."""
    return _header_int(_lowered(headers), _LATENCY)
