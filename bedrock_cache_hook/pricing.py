"""Prices (USD per 1M tokens, on-demand) and the one function that turns usage into dollars.

Figures from the public price map summarised in the project's reference (section 6); check
before relying on them and override with ``install(price_overrides=...)``. Claude cache
writes cost 1.25x input (5m) or 2x (1h), reads 0.1x; Nova reads 0.25x with no write premium.
Claude 4.5-generation and later cost +10% on regional endpoints versus ``global.``; that
multiplier lives with the model spec (``ModelSpec.regional_premium``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRICES", "PRICES_AS_OF", "Prices", "cost"]

PRICES_AS_OF = "2026-11-01"

PER_TOKEN = 1e-6


@dataclass(frozen=True)
class Prices:
    input: float
    output: float
    write_5m: float
    write_1h: float | None
    read: float


def _nova(input_price: float, output_price: float) -> Prices:
    return Prices(input_price, output_price, input_price, None, input_price * 0.25)


PRICES: dict[str, Prices] = {
    "claude-3-7-sonnet": Prices(3.00, 15.00, 3.75, None, 0.30),
    "claude-sonnet-4": Prices(3.00, 15.00, 3.75, None, 0.30),
    "claude-3-5-sonnet-v2": Prices(3.00, 15.00, 3.75, None, 0.30),
    "claude-3-5-haiku": Prices(0.80, 4.00, 1.00, None, 0.08),
    "claude-sonnet-4-5": Prices(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-sonnet-4-6": Prices(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-haiku-4-5": Prices(1.00, 5.00, 1.25, 2.00, 0.10),
    "claude-opus-4": Prices(15.00, 75.00, 18.75, None, 1.50),
    "claude-opus-4-1": Prices(15.00, 75.00, 18.75, None, 1.50),
    "claude-opus-4-5": Prices(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-6": Prices(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-7": Prices(5.00, 25.00, 6.25, 10.00, 0.50),
    "nova-micro": _nova(0.035, 0.14),
    "nova-lite": _nova(0.06, 0.24),
    "nova-pro": _nova(0.80, 3.20),
    "nova-premier": _nova(2.50, 12.50),
}


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
