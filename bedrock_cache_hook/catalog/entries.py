"""The catalog: every Claude and Nova model on Bedrock, with its caching rules and prices.

Each entry names its sources and the date they were read. Where sources disagree on a
minimum, the entry takes the lower value and says so: a marker placed under the real
minimum costs nothing (Bedrock simply writes nothing), while a marker skipped because the
minimum was set too high loses a cache. Everything here is overridable per family or model
id (``model_overrides`` / ``price_overrides``); ids not listed borrow the nearest entry's
rules (:mod:`.infer`).

Prices are USD per 1M tokens on the ``global.`` endpoint; Claude's 4.5 generation and later
cost 10% more on regional endpoints (``regional_premium``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import ModelName, read_name
from .spec import ModelSpec, Prices

__all__ = ["AS_OF", "ENTRIES", "PRICES", "SOURCES", "Entry", "lookup", "no_cache_spec"]

#: when the figures below were last checked against their sources
AS_OF = "2026-12-02"

SOURCES: dict[str, str] = {
    "aws-guide": "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",
    "anthropic-caching": (
        "https://platform.claude.com/docs/en/docs/build-with-claude/prompt-caching"
    ),
    "anthropic-tools": (
        "https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview#pricing"
    ),
    "aws-pricing": "https://aws.amazon.com/bedrock/pricing/",
    "aws-toolkit": "AWS agent-toolkit reference 'Prompt Caching on Amazon Bedrock'",
}


@dataclass(frozen=True)
class Entry:
    """One catalog row: the ids it covers, its rules, its prices and where they come from."""

    #: foundation model id stems; an id matches a stem followed by its end, ``:``, a
    #: version (``-v1``) or a date (``-20250929``)
    stems: tuple[str, ...]
    spec: ModelSpec
    prices: Prices | None
    sources: tuple[str, ...]
    as_of: str = AS_OF
    #: disputed values and the choice made
    note: str = ""
    name: ModelName | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", read_name(self.stems[0]))

    @property
    def family(self) -> str:
        return self.spec.family


def _claude_prices(input_price: float, output_price: float, one_hour: bool) -> Prices:
    return Prices(
        input_price,
        output_price,
        round(input_price * 1.25, 6),
        round(input_price * 2.0, 6) if one_hour else None,
        round(input_price * 0.1, 6),
    )


#: Anthropic's tool-use system prompt, added when tools are sent (the larger of its
#: ``auto`` / ``any`` sizes: counting a little high never skips a marker that would cache)
_TOOL_PROMPT = 346


def _claude(
    stem: str,
    min_tokens: int,
    prices: tuple[float, float],
    *,
    one_hour: bool = True,
    premium: bool = True,
    sources: tuple[str, ...] = ("aws-guide", "anthropic-caching", "aws-pricing"),
    note: str = "",
    tool_prompt: int = _TOOL_PROMPT,
    family: str | None = None,
) -> Entry:
    family = family or stem.removeprefix("anthropic.")
    spec = ModelSpec(
        family=family,
        caching=True,
        min_tokens=min_tokens,
        ttls=("5m", "1h") if one_hour else ("5m",),
        regional_premium=0.10 if premium else 0.0,
        dialect="anthropic",
        tool_prompt_tokens=tool_prompt,
    )
    return Entry((stem,), spec, _claude_prices(*prices, one_hour), sources, note=note)


def _nova(stem: str, min_tokens: int, prices: tuple[float, float], note: str = "") -> Entry:
    input_price, output_price = prices
    spec = ModelSpec(
        family=stem.removeprefix("amazon."),
        caching=True,
        min_tokens=min_tokens,
        sections=frozenset(("system", "messages")),
        lookback_blocks=0,
        dialect="nova",
        max_cached_tokens=20_000,
    )
    nova_prices = Prices(input_price, output_price, input_price, None, input_price * 0.25)
    return Entry((stem,), spec, nova_prices, ("aws-guide", "aws-pricing", "aws-toolkit"), note=note)


_NOVA_MINIMUM = (
    "the user guide says ~1,000 tokens, AWS's agent-toolkit reference 1,536 for Micro and "
    "Lite: 1,000 is taken, the value that never skips a marker that would cache"
)

ENTRIES: tuple[Entry, ...] = (
    _claude("anthropic.claude-opus-5-5", 512, (5.0, 25.0)),
    _claude("anthropic.claude-opus-5", 512, (5.0, 25.0)),
    _claude("anthropic.claude-sonnet-5-5", 1024, (3.0, 15.0)),
    _claude("anthropic.claude-sonnet-5", 1024, (3.0, 15.0)),
    _claude("anthropic.claude-fable-5-1", 512, (5.0, 25.0)),
    _claude("anthropic.claude-fable-5", 512, (5.0, 25.0)),
    _claude("anthropic.claude-opus-4-8", 1024, (5.0, 25.0)),
    _claude("anthropic.claude-opus-4-7", 2048, (5.0, 25.0)),
    _claude("anthropic.claude-opus-4-6", 4096, (5.0, 25.0)),
    _claude("anthropic.claude-opus-4-5", 4096, (5.0, 25.0)),
    _claude(
        "anthropic.claude-sonnet-4-6",
        1024,
        (3.0, 15.0),
        note=(
            "Anthropic's table says 1,024; AWS's agent-toolkit reference and a public SDK "
            "issue say 2,048: 1,024 is taken, the value that never skips a marker that "
            "would cache"
        ),
    ),
    _claude(
        "anthropic.claude-sonnet-4-5",
        1024,
        (3.0, 15.0),
        note="one AWS guide revision said 4,096; Anthropic and later revisions say 1,024",
    ),
    _claude("anthropic.claude-haiku-4-5", 4096, (1.0, 5.0)),
    _claude("anthropic.claude-opus-4-1", 1024, (15.0, 75.0), one_hour=False, premium=False),
    _claude("anthropic.claude-opus-4", 1024, (15.0, 75.0), one_hour=False, premium=False),
    _claude("anthropic.claude-sonnet-4", 1024, (3.0, 15.0), one_hour=False, premium=False),
    _claude("anthropic.claude-3-7-sonnet", 1024, (3.0, 15.0), one_hour=False, premium=False),
    _claude(
        "anthropic.claude-3-5-sonnet-20241022-v2",
        1024,
        (3.0, 15.0),
        one_hour=False,
        premium=False,
        note="preview only: accounts admitted to the caching preview keep it",
        family="claude-3-5-sonnet-v2",
    ),
    _claude(
        "anthropic.claude-3-5-haiku",
        2048,
        (0.8, 4.0),
        one_hour=False,
        premium=False,
        tool_prompt=340,
    ),
    _nova("amazon.nova-2-lite", 1000, (0.33, 2.75), note=_NOVA_MINIMUM),
    _nova("amazon.nova-premier", 1000, (2.50, 12.50), note=_NOVA_MINIMUM),
    _nova("amazon.nova-pro", 1000, (0.80, 3.20), note=_NOVA_MINIMUM),
    _nova("amazon.nova-lite", 1000, (0.06, 0.24), note=_NOVA_MINIMUM),
    _nova("amazon.nova-micro", 1000, (0.035, 0.14), note=_NOVA_MINIMUM),
)

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
