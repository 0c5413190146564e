"""The same prefix gives the very same fingerprint; anything that changes one is seen."""

from __future__ import annotations

from bedrock_cache_hook.diagnosis import fingerprint
from bedrock_cache_hook.request.prefix import Block, Marker, Prefix, digest


def _prefix(texts: list[list[str]], marked: tuple[int, ...] = (), ttl: str | None = None) -> Prefix:
    blocks = [Block("system", (0,), "text", 1500, digest(b"system"))]
    for m, message in enumerate(texts):
        role = "user" if m % 2 == 0 else "assistant"
        for c, text in enumerate(message):
            blocks.append(Block("messages", (m, c), "text", 100, digest(text.encode()), role=role))
    markers = tuple(Marker("messages", (0,), at, ttl) for at in marked)
    return Prefix(tuple(blocks), markers)


def test_equal_prefixes_share_one_fingerprint_and_any_change_gets_its_own() -> None:
    base = _prefix([["a", "b"], ["c"]], marked=(3,))
    first = fingerprint(base, "claude", 1024, 20)
    assert fingerprint(_prefix([["a", "b"], ["c"]], marked=(3,)), "claude", 1024, 20) is first
    variants = [
        fingerprint(_prefix([["a"], ["b"], ["c"]], marked=(3,)), "claude", 1024, 20),  # regrouped
        fingerprint(_prefix([["a", "b"], ["x"]], marked=(3,)), "claude", 1024, 20),  # content
        fingerprint(_prefix([["a", "b"], ["c"]], marked=(2,)), "claude", 1024, 20),  # marker
        fingerprint(_prefix([["a", "b"], ["c"]], (3,), "1h"), "claude", 1024, 20),  # its TTL
        fingerprint(base, "nova", 1024, 20),
        fingerprint(base, "claude", 2048, 20),
    ]
    for other in variants:
        assert other is not first and other != first
    regrouped = variants[0]
    assert regrouped.messages != first.messages and regrouped.end_indices != first.end_indices
    assert variants[2].marks != first.marks and variants[3].mark_ttls == ("1h",)
