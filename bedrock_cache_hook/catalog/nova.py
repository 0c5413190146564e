"""Every Amazon Nova model on Bedrock that caches: rules, prices, sources.

Nova caches system and messages only (tool markers are rejected), needs explicit
checkpoints (no lookback), offers 5m only and charges no write premium; reads cost a quarter
of the input price.
"""

from __future__ import annotations

from .entry import Entry
from .spec import ModelSpec, Prices

__all__ = ["NOVA", "NOVA_CACHE_CAP"]

#: "Amazon Nova models support a maximum of 20K tokens for prompt caching" (AWS model cards;
#: an older third-party page says 32K, one report cached ~23K): the documented value is used,
#: so no marker is placed where nothing past the cap would be cached
NOVA_CACHE_CAP = 20_000
_NOVA_NOTE = (
    "minimum: '1K' in the model cards, 1,024 (Pro) / 1,536 (Lite, Micro) in AWS's "
    "agent-toolkit reference: 1,000 is used, the value that never skips a marker that would "
    "cache; at most 20K cached tokens per request (model cards)"
)


def _nova(
    stems: tuple[str, ...],
    prices: tuple[float, float],
    *,
    as_of: str,
    premium: bool = False,
    note: str = "",
) -> Entry:
    input_price, output_price = prices
    spec = ModelSpec(
        family=stems[0].removeprefix("amazon."),
        caching=True,
        min_tokens=1000,
        sections=frozenset(("system", "messages")),
        lookback_blocks=0,
        regional_premium=0.10 if premium else 0.0,
        dialect="nova",
        max_cached_tokens=NOVA_CACHE_CAP,
    )
    # Nova: no write premium, reads at a quarter of the input price
    nova_prices = Prices(input_price, output_price, input_price, None, input_price * 0.25)
    sources = ("nova-card", "aws-guide-2025", "aws-toolkit", "price-map")
    return Entry(stems, spec, nova_prices, sources, as_of, note or _NOVA_NOTE)


NOVA: tuple[Entry, ...] = (
    _nova(("amazon.nova-2-lite",), (0.30, 2.50), as_of="2026-10", premium=True),
    _nova(
        ("amazon.nova-2-pro", "amazon.nova-2-pro-preview"),
        (2.1875, 17.50),
        as_of="2026-07",
        note="preview; caching rules as Nova 2 Lite's (no AWS caching row found)",
    ),
    _nova(("amazon.nova-premier",), (2.50, 12.50), as_of="2026-07"),
    _nova(("amazon.nova-pro",), (0.80, 3.20), as_of="2026-08"),
    _nova(("amazon.nova-lite",), (0.06, 0.24), as_of="2026-08"),
    _nova(("amazon.nova-micro",), (0.035, 0.14), as_of="2026-08"),
)
