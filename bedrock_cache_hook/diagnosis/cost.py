"""What a miss cost: the call as billed minus the same call had it read what it missed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..usage import Usage

__all__ = ["as_if_read", "miss_cost"]


def as_if_read(usage: Usage, missed: int) -> Usage:
    """``usage`` with ``missed`` tokens read instead of written (first) or sent uncached."""
    missed = max(0, min(missed, usage.cache_write_tokens + usage.input_tokens))
    from_write = min(missed, usage.cache_write_tokens)
    from_input = missed - from_write
    write_5m, write_1h = usage.cache_write_5m_tokens, usage.cache_write_1h_tokens
    if write_5m is not None and write_1h is not None:
        take_5m = min(from_write, write_5m)
        write_5m, write_1h = write_5m - take_5m, write_1h - (from_write - take_5m)
    return dataclasses.replace(
        usage,
        input_tokens=usage.input_tokens - from_input,
        cache_read_tokens=usage.cache_read_tokens + missed,
        cache_write_tokens=usage.cache_write_tokens - from_write,
        cache_write_5m_tokens=write_5m,
        cache_write_1h_tokens=write_1h,
    )


def miss_cost(usage: Usage, missed: int, billed: Callable[[Usage], float]) -> float:
    """Dollars the miss added over a hit; ``billed`` prices a usage as the record does."""
    if missed <= 0:
        return 0.0
    return max(0.0, billed(usage) - billed(as_if_read(usage, missed)))
