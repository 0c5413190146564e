"""The catalog's rows, looked up by foundation model id; the ids known not to cache.

Rows live in :mod:`.claude` and :mod:`.nova`, each with its sources and as-of date
(:mod:`.entry`). Everything is overridable per family or model id (``model_overrides`` /
``price_overrides``); ids not listed borrow the nearest row's rules (:mod:`.infer`).
"""

from __future__ import annotations

import re

from .claude import CLAUDE
from .entry import SOURCES, Entry
from .nova import NOVA
from .spec import ModelSpec, Prices

__all__ = ["AS_OF", "ENTRIES", "PRICES", "SOURCES", "Entry", "lookup", "no_cache_spec"]

#: when the rows were last checked against their sources
AS_OF = "2026-12-02"

ENTRIES: tuple[Entry, ...] = CLAUDE + NOVA

#: family -> prices, for every listed entry
PRICES: dict[str, Prices] = {e.family: e.prices for e in ENTRIES if e.prices is not None}

#: ids known not to cache: never a marker, and never rules inferred for them
_NO_CACHE: tuple[tuple[re.Pattern[str], ModelSpec], ...] = tuple(
    (re.compile(pattern), spec)
    for pattern, spec in (
        (
            r"^anthropic\.claude-(v2|instant|3-haiku|3-opus|3-sonnet|3-5-sonnet-20240620)",
            ModelSpec("no-cache", False, dialect="anthropic"),
        ),
        (
            r"^amazon\.(titan|rerank|nova-(\d+-)?(canvas|reel|sonic|multimodal-embed))",
            ModelSpec("no-cache", False),
        ),
        (
            r"^(meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|stability|twelvelabs|"
            r"luma|minimax|moonshot|google|nvidia|zai)\.",
            ModelSpec("no-cache", False),
        ),
    )
)

_BOUNDARY = r"(?=$|:|-v\d|-\d{8})"
_STEMS: tuple[tuple[re.Pattern[str], Entry], ...] = tuple(
    sorted(
        (
            (re.compile(re.escape(stem) + _BOUNDARY), entry)
            for entry in ENTRIES
            for stem in entry.stems
        ),
        key=lambda item: -len(item[0].pattern),
    )
)


def lookup(base_id: str) -> Entry | None:
    """The entry listing this foundation model id (the longest matching stem wins)."""
    for pattern, entry in _STEMS:
        if pattern.match(base_id):
            return entry
    return None


def no_cache_spec(base_id: str) -> ModelSpec | None:
    """The spec of a model known not to cache; None for any other id."""
    for pattern, spec in _NO_CACHE:
        if pattern.match(base_id):
            return spec
    return None
