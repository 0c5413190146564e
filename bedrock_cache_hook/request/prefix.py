"""The abstract prefix: what every dialect reads a request into, and the planner works on.

A prefix is the request's cacheable content in Bedrock's processing order, tools -> system
-> messages, as a flat sequence of blocks with token estimates, content digests and a
rolling hash chain, plus the cache markers already in the request. No wire format and no
text: digests and counts only.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import InitVar, dataclass, field

from ..catalog import ModelSpec
from ..frozen import fast_init
from .blocks import Block, Marker, Section
from .derive import RunHint, derive
from .memo import SizedMemo

__all__ = [
    "FIVE_MINUTES",
    "ONE_HOUR",
    "TTL_ORDER",
    "TTL_SECONDS",
    "Block",
    "Marker",
    "Prefix",
    "Section",
    "build",
    "digest",
    "dynamic_kind",
    "location",
]

TTL_ORDER = {"5m": 0, "1h": 1}
#: how long an entry lives after it is written or read, per TTL (the one table of it)
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
FIVE_MINUTES = TTL_SECONDS["5m"]
ONE_HOUR = TTL_SECONDS["1h"]

#: per-call-looking values, one alternation so a text is scanned once; the group names it
_DYNAMIC = re.compile(
    r"(?P<timestamp>\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})"
    r"|(?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)"
    r"|(?P<epoch>\b1[5-9]\d{8}(?:\d{3})?\b)"
    r"|(?P<clock>\b\d{1,2}:\d{2}:\d{2}\b)"
)


#: texts already scanned, by value: the same system prompt and tool specs come back on every
#: call (as new string objects when a body is parsed)
_SCANNED: SizedMemo[str, str | None] = SizedMemo(16_000_000)
#: a per-process key: block digests are never comparable outside this process
_KEY = secrets.token_bytes(32)


def dynamic_kind(text: str) -> str | None:
    """Name the first per-call-looking value (timestamp, UUID, epoch, clock time) in text;
    each distinct text is scanned once."""
    kinds = _SCANNED.items
    if text in kinds:
        return kinds[text]
    match = _DYNAMIC.search(text) if _has_digit(text) else None
    kind = match.lastgroup if match is not None else None
    _SCANNED.put(text, kind, len(text))
    return kind


def _has_digit(text: str) -> bool:
    # every pattern needs a digit: ten substring searches at C speed rule most texts out
    return any(d in text for d in "0123456789")


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16, key=_KEY).digest()


@fast_init
@dataclass(frozen=True)
class Prefix:
    blocks: tuple[Block, ...]
    markers: tuple[Marker, ...]
    #: tokens the service puts in front of the first block (Claude's tool-use system prompt
    #: when tools are sent): they count toward every cumulative prefix
    base_tokens: int = 0
    #: the model's tokenizer relative to the estimates (``ModelSpec.token_scale``)
    token_scale: float = 1.0
    #: estimated tokens through each block, the base and the scale applied
    cumulative: tuple[int, ...] = field(init=False)
    chain: tuple[bytes, ...] = field(init=False)
    #: index of the last block of every message, in order (read by several steps per call)
    ends: tuple[int, ...] = field(init=False)
    #: index of the last block of each non-empty section (read by several steps per call)
    last: dict[str, int] = field(init=False, compare=False, repr=False)

    #: ``(run start, run read, run kept)`` from a dialect's known leading messages (see
    #: :func:`build`): the derived values of a run seen before are reused, not recomputed
    run: InitVar[RunHint | None] = None

    def __post_init__(self, run: RunHint | None) -> None:
        chain, ends, lasts, cumulative = derive(
            self.blocks, run, self.base_tokens, self.token_scale
        )
        object.__setattr__(self, "last", lasts)
        object.__setattr__(self, "cumulative", cumulative)
        object.__setattr__(self, "chain", chain)
        object.__setattr__(self, "ends", ends)

    def remarked(self, markers: tuple[Marker, ...], blocks: tuple[Block, ...]) -> Prefix:
        """The same content with ``markers``: ``blocks`` are this prefix's blocks at their new
        wire positions, so estimates and the hash chain are reused, not recomputed."""
        other = object.__new__(Prefix)
        other.__dict__.update(self.__dict__)  # the derived values, a cached answer too
        object.__setattr__(other, "blocks", blocks)
        object.__setattr__(other, "markers", markers)
        return other

    @property
    def total_tokens(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def tokens_through(self, index: int) -> int:
        return self.cumulative[index] if index >= 0 else 0

    def section_end(self, section: Section) -> int | None:
        """Index of the last block of a section, or None when the section is empty."""
        return self.last.get(section)

    def message_ends(self) -> tuple[int, ...]:
        """Indices of the last block of every message, in order."""
        return self.ends

    @functools.cached_property
    def has_assistant_turn(self) -> bool:
        """Whether a message block comes from the assistant (asked by several steps)."""
        first = self.first_message_block()
        if first is None:
            return False
        blocks = self.blocks
        return any(blocks[i].role == "assistant" for i in range(first, len(blocks)))

    def stable_end(self) -> int:
        """Index of the last block of the stable prefix (tools and system), -1 if none."""
        return max(self.last.get("tools", -1), self.last.get("system", -1))

    def first_message_block(self) -> int | None:
        """Index of the first block of the messages (they follow tools and system)."""
        if "messages" not in self.last:
            return None
        return self.stable_end() + 1


def build(
    blocks: Sequence[Block],
    markers: Sequence[Marker],
    spec: ModelSpec | None,
    run: RunHint | None = None,
) -> Prefix:
    """A prefix for ``spec``'s model: its tool-use system prompt counted when the request has
    tools, its tokenizer's scale applied to the estimates. ``run``: ``(start, read, kept)``,
    the known leading messages the dialect put at ``start`` (``read``, possibly empty) and the
    run it now remembers for the next call (``kept``, or None when unchanged)."""
    if spec is None:
        return Prefix(tuple(blocks), tuple(markers), run=run)
    has_tools = bool(blocks) and blocks[0].section == "tools"
    base = spec.tool_prompt_tokens if has_tools else 0
    return Prefix(tuple(blocks), tuple(markers), base, spec.token_scale, run)


def location(section: Section, path: Sequence[int], tools_key: str = "toolConfig.tools") -> str:
    """A human location: ``toolConfig.tools[3]``, ``system[1]``, ``messages[4].content[0]``."""
    if section == "tools":
        return f"{tools_key}[{path[0]}]"
    if section == "system":
        return f"system[{path[0]}]"
    return f"messages[{path[0]}].content[{path[1]}]"
