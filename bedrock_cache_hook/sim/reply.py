"""What a successful answer is made of, before it becomes bytes: :class:`Reply`."""

from __future__ import annotations

from dataclasses import dataclass

from .cache import Accounting

__all__ = ["Reply", "stop_reason"]


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
