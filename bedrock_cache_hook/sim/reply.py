"""What a successful answer is made of, before it becomes bytes: :class:`Reply`."""

from __future__ import annotations

from dataclasses import dataclass

from .cache import Accounting
from .tokenizer import pieces

__all__ = ["Reply", "reply_pieces", "stop_reason"]

#: the reply texts: one chosen by the prompt's hash, so the same request gets the same bytes
_PHRASES = (
    "The cached prefix was read back and the answer is ready.",
    "Here is a short, deterministic reply from the local simulator.",
    "Understood. Nothing else to add for this request.",
    "The simulator answers with a fixed phrase chosen by the prompt.",
    "All set: this reply depends only on the request you sent.",
)


@dataclass(frozen=True)
class Reply:
    """Everything a successful response is made of (the transports never see it)."""

    operation: str
    dialect: str
    base_id: str
    request_id: str
    date: str
    can_cache: bool
    accounting: Accounting
    pieces: tuple[str, ...]
    output_tokens: int
    truncated: bool
    first_token_ms: int
    latency_ms: int

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def stop_reason(reply: Reply) -> str:
    """``end_turn`` / ``max_tokens``; a Llama-style prompt body says ``stop`` / ``length``."""
    if reply.dialect == "prompt":
        return "length" if reply.truncated else "stop"
    return "max_tokens" if reply.truncated else "end_turn"


def reply_pieces(digest: str, limit: int | None) -> tuple[list[tuple[str, int]], bool]:
    """The reply's pieces (with token counts) and whether ``limit`` cut it short."""
    kept: list[tuple[str, int]] = []
    used = 0
    for piece, tokens in pieces(_PHRASES[int(digest[:8], 16) % len(_PHRASES)]):
        if limit is not None and used + tokens > limit:
            return kept, True
        kept.append((piece, tokens))
        used += tokens
    return kept, False
