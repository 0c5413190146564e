"""The user's corrections to the catalog: ``model_overrides`` and ``price_overrides``.

Keys are a family (``"claude-sonnet-4-6"``) or a foundation model id; the model id wins over
the family. Every field and value is checked when ``install()`` runs, never at request time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .spec import ALL_SECTIONS, ModelSpec, Prices

__all__ = ["apply_model_overrides", "apply_price_overrides", "validate_overrides"]

Overrides = Mapping[str, Mapping[str, Any]]


def apply_model_overrides(spec: ModelSpec, base_id: str, overrides: Overrides) -> ModelSpec:
    for key in (spec.family, base_id):
        fields = overrides.get(key)
        if fields:
            values = dict(fields)
            if "sections" in values:
                values["sections"] = frozenset(values["sections"])
            if "ttls" in values:
                values["ttls"] = tuple(values["ttls"])
            spec = dataclasses.replace(spec, **values)
    return spec


def apply_price_overrides(
    prices: Prices | None, family: str, base_id: str, overrides: Overrides
) -> Prices | None:
    for key in (family, base_id):
        if key in overrides:
            base = prices or Prices(0.0, 0.0, 0.0, None, 0.0)
            prices = dataclasses.replace(base, **dict(overrides[key]))
    return prices


def validate_overrides(
    model_overrides: Overrides,
    price_overrides: Overrides,
    names: Mapping[str, str] | None = None,
) -> None:
    """Raise ``ValueError`` naming the first override field or value that cannot work.

    ``names`` maps ``"model_overrides"`` / ``"price_overrides"`` to what the user actually set
    (an environment variable), so the error names that.
    """
    spec_fields = {f.name for f in dataclasses.fields(ModelSpec)} - {"family"}
    price_fields = {f.name for f in dataclasses.fields(Prices)}
    for kind, overrides, known in (
        ("model_overrides", model_overrides, spec_fields),
        ("price_overrides", price_overrides, price_fields),
    ):
        label = (names or {}).get(kind, kind)
        for key, fields in overrides.items():
            unknown = sorted(set(fields) - known)
            if unknown:
                raise ValueError(
                    f"{label}[{key!r}] has unknown field {unknown[0]!r}; known: "
                    + ", ".join(sorted(known))
                )
            for name, value in fields.items():
                problem = _override_problem(name, value)
                if problem is not None:
                    raise ValueError(f"{label}[{key!r}][{name!r}] {problem}, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _override_problem(name: str, value: Any) -> str | None:
    """Why an override value cannot work, or None."""
    if name == "caching":
        return None if isinstance(value, bool) else "must be True or False"
    if name == "max_markers":
        ok = _is_count(value) and value <= 4
        return None if ok else "must be an integer from 0 to 4 (Bedrock rejects more)"
    if name in ("min_tokens", "lookback_blocks", "tool_prompt_tokens"):
        return None if _is_count(value) else "must be a non-negative integer"
    if name == "max_cached_tokens":
        ok = value is None or (_is_count(value) and value > 0)
        return None if ok else "must be a positive integer or None"
    if name == "ttls":
        ok = isinstance(value, list | tuple) and set(value) <= {"5m", "1h"}
        return None if ok else "must be a list of '5m' / '1h'"
    if name == "sections":
        ok = isinstance(value, list | tuple | set | frozenset) and set(value) <= ALL_SECTIONS
        return None if ok else "must list some of 'tools', 'system', 'messages'"
    if name == "betas":
        ok = isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        return None if ok else "must map feature names to anthropic_beta strings"
    if name == "dialect":
        return None if value in ("anthropic", "nova", "other") else "must be anthropic/nova/other"
    if name == "write_1h" and value is None:
        return None
    if name in ("regional_premium", "input", "output", "write_5m", "write_1h", "read"):
        return None if _is_number(value) else "must be a non-negative number"
    return None
