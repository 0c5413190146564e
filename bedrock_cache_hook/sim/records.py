"""One HTTP request as the simulated service receives it, and what its call log keeps of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CallLog", "WireRequest"]


@dataclass(frozen=True)
class WireRequest:
    method: str
    #: the request target as sent (percent-encoded path, optional query)
    path: str
    #: header names lower-cased
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class CallLog:
    """One request as the simulated service saw it: counts and ids only."""

    seq: int
    at: float
    operation: str
    model_id: str
    region: str
    status: int
    error_code: str | None = None
    #: uncached input (Bedrock's ``inputTokens``); all input for CountTokens
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    #: of ``cache_write_tokens``, those written with the 1h TTL
    cache_write_1h_tokens: int = 0
    first_token_ms: int = 0
    latency_ms: int = 0
    fault: str | None = None
