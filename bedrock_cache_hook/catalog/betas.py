"""``anthropic_beta`` strings that concern caching, and the feature each one enabled.

On Anthropic's own API, "caching" was any ``cache_control`` and "ttl-1h" a ``ttl: "1h"``.
Bedrock needs none of them on GA models (reference section 2): a model needs a beta only
where its ``ModelSpec.betas`` says so (a user override). The audit uses this table to name
betas sent for nothing; a caching-looking beta in neither place is reported as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CACHING_BETAS"]

CACHING_BETAS: Mapping[str, str] = {
    "prompt-caching-2024-07-31": "caching",
    "extended-cache-ttl-2025-04-11": "ttl-1h",
}
