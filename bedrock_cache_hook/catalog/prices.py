"""The one function that turns usage into dollars.

Claude cache writes cost 1.25x input (5m) or 2x (1h), reads 0.1x; Nova reads 0.25x with no
write premium. The catalog entries carry each model's figures (:mod:`.entries`); the
regional premium (+10% outside ``global.`` for the 4.5 generation and later) is applied as a
multiplier by the caller (``Resolution.price_multiplier``).
"""

from __future__ import annotations

from .spec import Prices

__all__ = ["PER_TOKEN", "cost"]

PER_TOKEN = 1e-6


def cost(
    prices: Prices,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int,
    cache_write_5m_tokens: int,
    cache_write_1h_tokens: int,
    multiplier: float = 1.0,
) -> tuple[float, float]:
    """(cost with caching as billed, cost of the same tokens with no caching at all)."""
    write_1h_price = prices.write_1h if prices.write_1h is not None else prices.write_5m
    billed = (
        input_tokens * prices.input
        + output_tokens * prices.output
        + cache_read_tokens * prices.read
        + cache_write_5m_tokens * prices.write_5m
        + cache_write_1h_tokens * write_1h_price
    )
    all_input = input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
    uncached = all_input * prices.input + output_tokens * prices.output
    scale = PER_TOKEN * multiplier
    return billed * scale, uncached * scale
