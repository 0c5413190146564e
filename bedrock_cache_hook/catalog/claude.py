"""Every Claude model on Bedrock: minimums, TTLs, tool-use prompt sizes, prices, sources.

Where sources disagree on a minimum the row takes the lower value and says so in its note: a
marker placed under the real minimum costs nothing (Bedrock simply writes nothing), while a
marker skipped because the minimum was set too high loses a cache. Prices are USD per 1M
tokens on ``global.``; the 4.5 generation and later cost 10% more on regional endpoints.
"""

from __future__ import annotations

from .entry import Entry
from .names import read_name
from .spec import ModelSpec, Prices

__all__ = ["CLAUDE"]

#: Anthropic: Opus 4.7 and later "may use roughly 1x to 1.35x as many tokens when processing
#: text"; a public count_tokens study measured +34% on minified JSON. The high end is used.
NEW_TOKENIZER_SCALE = 1.35

_CLAUDE_SOURCES = ("aws-guide", "anthropic-caching", "anthropic-pricing", "anthropic-tools")
_LOWER = (
    "the lower value is used: a marker under the real minimum costs nothing, a skipped one "
    "loses a cache"
)


def _new_tokenizer(stem: str) -> bool:
    """Opus 4.7 and every model after it (Sonnet 5, the 5.5 line, Fable, Mythos)."""
    name = read_name(stem)
    return name is None or name.version >= (4, 7) or name.line in ("fable", "mythos")


def _claude(
    stem: str,
    min_tokens: int,
    prices: tuple[float, float, float, float | None, float] | None,
    *,
    tool_prompt: int,
    as_of: str,
    one_hour: bool = True,
    premium: bool = True,
    sources: tuple[str, ...] = (*_CLAUDE_SOURCES, "price-map"),
    note: str = "",
    family: str | None = None,
) -> Entry:
    """A Claude row. ``tool_prompt``: the larger of the tool-use system prompt's ``auto`` and
    ``any`` sizes (counting a little high never skips a marker that would cache)."""
    spec = ModelSpec(
        family=family or stem.removeprefix("anthropic."),
        caching=True,
        min_tokens=min_tokens,
        ttls=("5m", "1h") if one_hour else ("5m",),
        regional_premium=0.10 if premium else 0.0,
        dialect="anthropic",
        tool_prompt_tokens=tool_prompt,
        token_scale=NEW_TOKENIZER_SCALE if _new_tokenizer(stem) else 1.0,
    )
    return Entry((stem,), spec, Prices(*prices) if prices else None, sources, as_of, note)


CLAUDE: tuple[Entry, ...] = (
    _claude(
        "anthropic.claude-opus-5-5",
        512,
        (4.0, 20.0, 5.0, 8.0, 0.20),
        tool_prompt=406,
        as_of="2026-10",
        note="no AWS caching row yet: Anthropic's minimum; reads at 0.05x; tool prompt as Opus 5",
    ),
    _claude(
        "anthropic.claude-sonnet-5-5",
        512,
        (2.0, 10.0, 2.5, 4.0, 0.20),
        tool_prompt=474,
        as_of="2026-10",
        note=(
            "no AWS caching row yet: Anthropic's minimum; read price $0.10 on Anthropic's page, "
            "$0.20 in Bedrock price maps (the Bedrock figure is used); tool prompt as Sonnet 5"
        ),
    ),
    _claude(
        "anthropic.claude-haiku-5-5",
        512,
        (0.10, 0.50, 0.125, 0.20, 0.01),
        tool_prompt=588,
        as_of="2026-10",
        note=(
            "no AWS caching row yet: Anthropic's minimum; prompts over 100K tokens cost 5x "
            "(not modelled); tool prompt as Haiku 4.5"
        ),
    ),
    _claude(
        "anthropic.claude-fable-5-1",
        512,
        (10.0, 50.0, 12.5, 20.0, 0.25),
        tool_prompt=804,
        as_of="2026-09",
        note="reads at 0.025x; tool prompt unpublished: Opus 4.7's (same tokenizer family)",
    ),
    _claude(
        "anthropic.claude-mythos-5-1",
        512,
        (10.0, 50.0, 12.5, 20.0, 0.25),
        tool_prompt=804,
        as_of="2026-09",
        note="gated; reads at 0.025x; tool prompt unpublished: Opus 4.7's",
    ),
    _claude(
        "anthropic.claude-fable-5",
        512,
        (10.0, 50.0, 12.5, 20.0, 1.0),
        tool_prompt=804,
        as_of="2026-09",
        note=f"AWS and Anthropic say 512, one price map 1,024: {_LOWER}",
    ),
    _claude(
        "anthropic.claude-mythos-5",
        512,
        (10.0, 50.0, 12.5, 20.0, 1.0),
        tool_prompt=804,
        as_of="2026-09",
        note="gated; tool prompt unpublished: Opus 4.7's",
    ),
    _claude(
        "anthropic.claude-mythos-preview",
        2048,
        None,
        tool_prompt=804,
        as_of="2026-09",
        note=f"gated, no public price; AWS says 4,096, Anthropic 2,048: {_LOWER}",
    ),
    _claude(
        "anthropic.claude-opus-5",
        512,
        (5.0, 25.0, 6.25, 10.0, 0.5),
        tool_prompt=406,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-sonnet-5",
        1024,
        (2.0, 10.0, 2.5, 4.0, 0.2),
        tool_prompt=474,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-opus-4-8",
        1024,
        (5.0, 25.0, 6.25, 10.0, 0.5),
        tool_prompt=410,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-opus-4-7",
        2048,
        (5.0, 25.0, 6.25, 10.0, 0.5),
        tool_prompt=804,
        as_of="2026-09",
        note=f"AWS's table says 4,096, Anthropic's docs and price maps 2,048: {_LOWER}",
    ),
    _claude(
        "anthropic.claude-opus-4-6",
        4096,
        (5.0, 25.0, 6.25, 10.0, 0.5),
        tool_prompt=589,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-opus-4-5",
        4096,
        (5.0, 25.0, 6.25, 10.0, 0.5),
        tool_prompt=588,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-sonnet-4-6",
        1024,
        (3.0, 15.0, 3.75, 6.0, 0.3),
        tool_prompt=589,
        as_of="2026-09",
        note=(
            "AWS's table and Anthropic's say 1,024; AWS's agent-toolkit reference and public "
            f"reports (~2,048 measured on Bedrock) say 2,048: {_LOWER}"
        ),
    ),
    _claude(
        "anthropic.claude-sonnet-4-5",
        1024,
        (3.0, 15.0, 3.75, 6.0, 0.3),
        tool_prompt=588,
        as_of="2026-09",
        note=f"one 2026 AWS revision said 4,096; later revisions and Anthropic 1,024: {_LOWER}",
    ),
    _claude(
        "anthropic.claude-haiku-4-5",
        4096,
        (1.0, 5.0, 1.25, 2.0, 0.1),
        tool_prompt=588,
        as_of="2026-09",
    ),
    _claude(
        "anthropic.claude-opus-4-1",
        1024,
        (15.0, 75.0, 18.75, None, 1.5),
        tool_prompt=315,
        as_of="2026-07",
        one_hour=False,
        premium=False,
        note="5m only on Bedrock (a 1h ttl is refused as an extra input)",
    ),
    _claude(
        "anthropic.claude-opus-4",
        1024,
        (15.0, 75.0, 18.75, None, 1.5),
        tool_prompt=315,
        as_of="2026-07",
        one_hour=False,
        premium=False,
        note="5m only on Bedrock (a 1h ttl is refused as an extra input)",
    ),
    _claude(
        "anthropic.claude-sonnet-4",
        1024,
        (3.0, 15.0, 3.75, None, 0.3),
        tool_prompt=315,
        as_of="2026-07",
        one_hour=False,
        premium=False,
        note="5m only on Bedrock (a 1h ttl is refused as an extra input)",
    ),
    _claude(
        "anthropic.claude-3-7-sonnet",
        1024,
        (3.0, 15.0, 3.75, None, 0.3),
        tool_prompt=346,
        as_of="2026-09",
        one_hour=False,
        premium=False,
    ),
    _claude(
        "anthropic.claude-3-5-sonnet-20241022-v2",
        1024,
        (3.0, 15.0, 3.75, None, 0.3),
        tool_prompt=346,
        as_of="2026-09",
        one_hour=False,
        premium=False,
        note="preview only: accounts admitted to the caching preview keep it",
        family="claude-3-5-sonnet-v2",
    ),
    _claude(
        "anthropic.claude-3-5-haiku",
        2048,
        (0.8, 4.0, 1.0, None, 0.08),
        tool_prompt=355,
        as_of="2026-07",
        one_hour=False,
        premium=False,
    ),
)
