"""Anthropic beta flags for caching: catalog data, added where needed, audited where sent.

Betas travel in the body's ``anthropic_beta`` list (boto3 cannot set an ``anthropic-beta``
header). Which caching feature needs which beta on which model is catalog data
(``ModelSpec.betas``: ``"caching"`` for any marker, ``"ttl-1h"`` for a 1h marker), empty for
every GA model because AWS documents none; a user override can declare one. A needed beta is
appended once, the caller's are kept. The audit names known caching betas the catalog says
are not needed (``CACHING_BETAS``), caching-looking betas it does not know, and needed ones
that are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...catalog import ModelSpec
from ...catalog.betas import CACHING_BETAS
from ..findings import Finding, finding
from ..prefix import Prefix

__all__ = ["add", "findings", "needed"]

BETA_KEY = "anthropic_beta"


def _features(prefix: Prefix) -> list[str]:
    """Caching features the body uses: "caching" (any marker), "ttl-1h" (a 1h marker)."""
    used = ["caching"] if prefix.markers else []
    if any(m.ttl == "1h" for m in prefix.markers):
        used.append("ttl-1h")
    return used


def needed(spec: ModelSpec, prefix: Prefix) -> list[str]:
    """Betas the catalog says this body's caching features need on this model."""
    return [spec.betas[f] for f in _features(prefix) if f in spec.betas]


def _sent_betas(body: Mapping[str, Any]) -> list[str]:
    value = body.get(BETA_KEY)
    if isinstance(value, str):
        return [value]
    return [b for b in (value if isinstance(value, list) else []) if isinstance(b, str)]


def add(body: Mapping[str, Any], spec: ModelSpec, prefix: Prefix) -> dict[str, Any] | None:
    """The body with the needed betas appended to ``anthropic_beta``; None when none is
    missing (or when ``anthropic_beta`` is something other than a list, left as sent)."""
    current = body.get(BETA_KEY)
    if current is not None and not isinstance(current, list):
        return None
    present = current or []
    missing = [b for b in dict.fromkeys(needed(spec, prefix)) if b not in present]
    if not missing:
        return None
    return {**body, BETA_KEY: [*present, *missing]}


def findings(body: Mapping[str, Any], spec: ModelSpec, prefix: Prefix) -> list[Finding]:
    """Caching betas sent for nothing, unknown to the catalog, or missing."""
    out: list[Finding] = []
    sent = _sent_betas(body)
    declared = set(spec.betas.values())
    for beta in sent:
        if beta in declared:
            continue
        if beta in CACHING_BETAS:
            out.append(
                finding(
                    "caching-beta-unneeded",
                    f"{beta!r} is not needed for caching on {spec.family}",
                    BETA_KEY,
                )
            )
        elif "cach" in beta.lower():
            out.append(
                finding(
                    "caching-beta-unknown",
                    f"{beta!r} is not a caching beta the catalog knows; Bedrock may reject it",
                    BETA_KEY,
                )
            )
    for beta in needed(spec, prefix):
        if beta not in sent:
            out.append(
                finding(
                    "caching-beta-missing",
                    f"{spec.family} needs {beta!r} for the caching this body asks for",
                    BETA_KEY,
                )
            )
    return out
