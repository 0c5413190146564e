"""Seeded filler text of an exact size under the simulator's tokenizer.

Words of 3 to 12 ASCII letters (1 or 2 tokens each under :mod:`..sim.tokenizer`), about 4.3
characters per token like English prose, so the hook's estimates stay realistic. The same
``(seed, tokens)`` always gives the same text; different seeds give different texts from
their first word on, so no two generated blocks share a prefix by accident.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["filler"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VOCAB: list[str] = []


def _vocabulary() -> list[str]:
    if not _VOCAB:
        rng = random.Random(20261201)
        for _ in range(4096):
            length = rng.choice((3, 3, 4, 4, 5, 7, 7, 8, 8, 12))
            _VOCAB.append("".join(rng.choice(_LETTERS) for _ in range(length)))
    return _VOCAB


def filler(tokens: int, seed: str) -> str:
    """Text of exactly ``tokens`` simulator tokens (at least 1), determined by ``seed``."""
    vocab = _vocabulary()
    rng = random.Random(seed)
    # a first word unique to the seed: texts of different seeds diverge at once
    head = "".join(_LETTERS[b % 26] for b in hashlib.sha256(seed.encode()).digest()[:6])
    words = [head]
    used = 1
    while used < tokens:
        word = vocab[rng.randrange(len(vocab))]
        cost = -(-len(word) // 6)
        if used + cost > tokens:
            word = word[:6]
            cost = 1
        words.append(word)
        used += cost
    return " ".join(words)
