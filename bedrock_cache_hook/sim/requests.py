"""The simulator's view of a request: an ordered prefix of blocks plus cache markers.

Each wire format (Converse, Anthropic Messages body, Nova body) is parsed into a :class:`Prompt`
by :mod:`.converse_wire` or :mod:`.invoke_wire`; the checks that do not depend on the wire
format live here (:func:`check_markers`).

* A :class:`Block` is one tool, one system block or one message content block, in the order
  tools -> system -> messages, with its token count under :mod:`.tokenizer` and an *identity*:
  compact JSON naming its section, content and (for messages) role and whether it opens a
  message. A text block's identity is its text alone, so the same text through Converse and
  through InvokeModel is the same prefix; other blocks are identified by their wire JSON with
  markers removed. Each message adds :data:`MESSAGE_OVERHEAD` tokens to its first block.
* A :class:`Marker` covers every block up to and including ``after`` (``-1``: a marker before
  any block, which has nothing to cache).
* ``salt`` folds the messages-cache invalidators (tool choice, thinking parameters, images
  present, Converse ``outputConfig``) into the identity of every message block.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .errors import (
    EXTRA_INPUTS,
    MALFORMED_BODY,
    MAX_MARKERS,
    NOVA_EXTENDED_TTL,
    NOVA_TOOL_MARKER,
    TTL_ORDER,
    TTL_UNSUPPORTED,
    UNSUPPORTED_MODEL,
    SimError,
)
from .models import ResolvedModel
from .tokenizer import compact_json

__all__ = [
    "MAX_CHECKPOINTS",
    "MESSAGE_OVERHEAD",
    "TTL_SECONDS",
    "Block",
    "Marker",
    "Prompt",
    "PromptBuilder",
    "check_markers",
    "messages_salt",
    "with_tool_prompt",
]

#: tokens of a message's role framing, counted on its first block
MESSAGE_OVERHEAD = 3
MAX_CHECKPOINTS = 4
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


@dataclass(frozen=True)
class Block:
    section: str
    tokens: int
    identity: bytes


@dataclass(frozen=True)
class Marker:
    section: str
    after: int
    ttl: str
    #: the marked block as the model's Messages body names it (``messages.3.content.0``)
    path: str = ""
    #: the index of the marker's element in its wire list (Nova's JSON pointer uses it)
    index: int = 0


@dataclass(frozen=True)
class Prompt:
    blocks: tuple[Block, ...]
    markers: tuple[Marker, ...]
    salt: bytes = b""
    max_tokens: int | None = None

    @property
    def total_tokens(self) -> int:
        return sum(block.tokens for block in self.blocks)


@dataclass
class PromptBuilder:
    """Collects blocks and markers in wire order."""

    blocks: list[Block] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    _message: int = -1
    _opened: int = -2

    def start_message(self, index: int) -> None:
        self._message = index

    def add(self, section: str, tokens: int, identity: Any, role: str = "") -> None:
        if section == "messages":
            opens = self._opened != self._message
            self._opened = self._message
            if opens:
                tokens += MESSAGE_OVERHEAD
            identity = [role, opens, identity]
        raw = compact_json([section, identity]).encode("utf-8")
        self.blocks.append(Block(section, tokens, raw))

    def mark(self, section: str, ttl: str, path: str = "", index: int = 0) -> None:
        self.markers.append(Marker(section, len(self.blocks) - 1, ttl, path, index))

    def build(self, salt: Any = None, max_tokens: Any = None) -> Prompt:
        limit = (
            max_tokens if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) else None
        )
        return Prompt(
            tuple(self.blocks),
            tuple(self.markers),
            compact_json(salt).encode("utf-8"),
            limit,
        )


def messages_salt(
    tool_choice: Any = None, thinking: Any = None, output: Any = None, images: Any = None
) -> dict[str, Any]:
    """The messages-cache invalidators in one shape for every wire format, unset ones left out,
    so the same conversation through Converse and through InvokeModel shares its messages cache
    (the service runs both on the same model)."""
    salt = {"tool_choice": tool_choice, "thinking": thinking, "output": output, "images": images}
    return {key: value for key, value in salt.items() if value not in (None, {})}


def with_tool_prompt(prompt: Prompt, tokens: int) -> Prompt:
    """``prompt`` with the tool-use system prompt the service puts in front of the tools: one
    block of ``tokens`` (counted as input and cached with the prefix), only when tools are
    present."""
    if tokens <= 0 or not any(block.section == "tools" for block in prompt.blocks):
        return prompt
    head = Block("tools", tokens, compact_json(["tool-use-prompt", tokens]).encode("utf-8"))
    markers = tuple(replace(m, after=m.after + 1) for m in prompt.markers)
    return replace(prompt, blocks=(head, *prompt.blocks), markers=markers)


def _ttl_error(marker: Marker, model: ResolvedModel, model_id: str) -> SimError:
    spec = model.spec
    if spec.dialect == "nova":
        return SimError(NOVA_EXTENDED_TTL)
    if spec.dialect == "anthropic":
        return SimError(
            EXTRA_INPUTS.format(path=f"{marker.path}.cache_control.ttl"), from_model=True
        )
    allowed = ", ".join(spec.ttls)
    return SimError(TTL_UNSUPPORTED.format(model=model_id, ttl=marker.ttl, allowed=allowed))


def check_markers(prompt: Prompt, model: ResolvedModel, model_id: str) -> None:
    """Bedrock's marker checks that every wire format shares, in the order Bedrock applies them."""
    if not prompt.markers:
        return
    spec = model.spec
    if not spec.can_cache:
        raise SimError(UNSUPPORTED_MODEL, "AccessDeniedException", 403)
    for marker in prompt.markers:
        if marker.section not in spec.sections:
            detail = NOVA_TOOL_MARKER.format(index=marker.index)
            raise SimError(MALFORMED_BODY.format(detail=detail))
    if len(prompt.markers) > MAX_CHECKPOINTS:
        raise SimError(MAX_MARKERS.format(found=len(prompt.markers)), from_model=True)
    for marker in prompt.markers:
        if marker.ttl not in spec.ttls:
            raise _ttl_error(marker, model, model_id)
    seen_short = False
    for marker in prompt.markers:
        if marker.ttl == "5m":
            seen_short = True
        elif seen_short:
            path = f"{marker.path}.cache_control.ttl"
            raise SimError(TTL_ORDER.format(path=path), from_model=True)
