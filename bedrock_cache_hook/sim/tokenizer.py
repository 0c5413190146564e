"""The simulator's own tokenizer: simple, documented, deterministic.

It is deliberately *not* the hook's estimator: the hook has to work against counts it cannot
predict exactly, as it does against Bedrock. The rule (about 4.1 to 4.3 characters per token on
English prose, 3.4 on technical Markdown, which keeps the model minimums realistic):

* Text is cut into pieces by one regular expression. A piece is an optional single whitespace
  character followed by one of: a run of letters, a run of digits, one punctuation or symbol
  character (``_`` counts as punctuation). Whitespace left over (a run minus the one character
  that rides on the next piece, or a trailing run) is a piece of its own.
* A run of ASCII letters costs ``ceil(n / 6)`` tokens ("cache" = 1, "caching" = 2,
  "implementation" = 3); a run of other letters (accents, CJK, ...) costs ``ceil(n / 2)``.
* A run of digits costs ``ceil(n / 3)``; one punctuation character costs 1; a leftover
  whitespace run costs ``ceil(n / 4)``. The single whitespace character in front of a piece is
  free, so ``" ".join(["cache"] * n)`` is exactly ``n`` tokens.
* Structured values (tool specifications, tool inputs, JSON tool results, unknown blocks) are
  tokenized as their compact JSON text (``separators=(",", ":")``, keys in the order given,
  non-ASCII kept).
* Binary content by size: an image costs ``IMAGE_BASE + ceil(bytes / 64)``, a document
  ``DOCUMENT_BASE + ceil(bytes / 4)``, a video ``VIDEO_BASE + ceil(bytes / 32)``.

Every count is a plain function of its input: no state, no randomness.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "DOCUMENT_BASE",
    "IMAGE_BASE",
    "VIDEO_BASE",
    "binary_tokens",
    "compact_json",
    "count_json",
    "count_text",
    "pieces",
]

IMAGE_BASE = 75
DOCUMENT_BASE = 50
VIDEO_BASE = 250

_PIECE = re.compile(r"\s?(?:[^\W\d_]+|\d+|[^\w\s]|_)|\s+(?=\s\S)|\s+")


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def _piece_tokens(piece: str) -> int:
    core = piece[1:] if len(piece) > 1 and piece[0].isspace() and not piece.isspace() else piece
    if core.isspace():
        return _ceil_div(len(core), 4)
    if core.isdigit() and core.isascii():
        return _ceil_div(len(core), 3)
    if core.isalpha():
        return _ceil_div(len(core), 6 if core.isascii() else 2)
    if core.isdigit():  # non-ASCII digits
        return len(core)
    return 1


def pieces(text: str) -> list[tuple[str, int]]:
    """The pieces of ``text`` with their token counts; the pieces concatenate back to ``text``."""
    return [(m.group(), _piece_tokens(m.group())) for m in _PIECE.finditer(text)]


def count_text(text: str) -> int:
    """Tokens of a piece of text under the simulator's rule."""
    return sum(_piece_tokens(m.group()) for m in _PIECE.finditer(text))


def compact_json(value: Any) -> str:
    """The compact JSON text a structured value is tokenized (and identified) by.

    A string holding a lone surrogate (a legal JSON escape, which UTF-8 cannot carry) keeps
    its escape, as Bedrock reads it: the request is answered like any other."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def count_json(value: Any) -> int:
    """Tokens of a structured value: its compact JSON text."""
    return count_text(compact_json(value))


def binary_tokens(kind: str, size: int) -> int:
    """Tokens of binary content of ``size`` bytes: ``kind`` is image, document or video."""
    if kind == "image":
        return IMAGE_BASE + _ceil_div(size, 64)
    if kind == "document":
        return DOCUMENT_BASE + _ceil_div(size, 4)
    return VIDEO_BASE + _ceil_div(size, 32)
