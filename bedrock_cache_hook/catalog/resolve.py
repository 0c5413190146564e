"""Resolve a model id as sent to its caching rules: listed, inferred, not caching, or unknown.

Order: the user's alias (opaque ARNs) -> the listed entry with the longest matching stem ->
the known non-caching ids -> rules inferred from the nearest listed entry of the same provider
(:mod:`.infer`) -> unknown. The user's ``model_overrides`` / ``price_overrides`` apply last,
by family or by foundation model id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .entries import ENTRIES, Entry, lookup, no_cache_spec
from .ids import ModelRef, parse_model_id
from .infer import family_name, nearest
from .names import read_name
from .overrides import apply_model_overrides, apply_price_overrides
from .spec import ModelSpec, Prices

__all__ = ["Resolution", "resolve"]


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a model id: the spec when known, and why not otherwise."""

    ref: ModelRef
    spec: ModelSpec | None
    prices: Prices | None
    #: "unmapped-model-id" (opaque id, no alias) or "unknown-model" (no catalog entry)
    problem: str | None = None
    aliased_to: str | None = None
    #: the catalog entry the rules come from (listed, or borrowed for an inferred id)
    entry: Entry | None = None
    #: True when the id is not listed and its rules were borrowed from ``entry``
    inferred: bool = False

    @property
    def price_multiplier(self) -> float:
        spec = self.spec
        if spec is None or self.ref.is_global:
            return 1.0
        return 1.0 + spec.regional_premium


def _rules(base_id: str) -> tuple[ModelSpec | None, Entry | None, bool]:
    """(spec, entry, inferred) for a foundation model id, before the user's overrides."""
    entry = lookup(base_id)
    if entry is not None:
        return entry.spec, entry, False
    refusal = no_cache_spec(base_id)
    if refusal is not None:
        return refusal, None, False
    name = read_name(base_id)
    borrowed = nearest(name, ENTRIES) if name is not None else None
    if name is None or borrowed is None:
        return None, None, False
    return dataclasses.replace(borrowed.spec, family=family_name(name)), borrowed, True


def resolve(
    model_id: str,
    aliases: Mapping[str, str] | None = None,
    model_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    price_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Resolution:
    """Resolve a model id (with the user's aliases and overrides) to its caching spec."""
    ref = parse_model_id(model_id)
    aliased_to = None
    if aliases and model_id in aliases:
        aliased_to = aliases[model_id]
        target = parse_model_id(aliased_to)
        ref = dataclasses.replace(target, raw=model_id, region=ref.region or target.region)
    if ref.base_id is None:
        problem = "unmapped-model-id" if ref.kind == "opaque-arn" else "unknown-model"
        return Resolution(ref, None, None, problem, aliased_to)
    spec, entry, inferred = _rules(ref.base_id)
    if spec is None:
        return Resolution(ref, None, None, "unknown-model", aliased_to)
    if model_overrides:
        spec = apply_model_overrides(spec, ref.base_id, model_overrides)
    prices = entry.prices if entry is not None else None
    if price_overrides:
        prices = apply_price_overrides(prices, spec.family, ref.base_id, price_overrides)
    return Resolution(ref, spec, prices, None, aliased_to, entry, inferred)
