"""One walk over a structured value: its identity hash, its JSON length, a per-call value.

Replaces serializing each block to JSON (and scanning that JSON) on every call. Python's own
``hash`` of a string or bytes object is computed once and cached on the object, and a
conversation sends the same string objects call after call, so after the first call a walk
costs a few operations per value. The hash is randomized per process (never exported or
compared outside it). Dict keys are order-independent, as the JSON they replaced was
``sort_keys``; the JSON length is that of compact JSON (escapes aside), for token estimates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .memo import SizedMemo
from .prefix import dynamic_kind

__all__ = ["Shape", "identity", "shape", "structured", "structured_fresh"]

Shape = tuple[int, int, str | None]


def _scalar(value: Any) -> tuple[int, int]:
    if value is None or isinstance(value, bool):
        return hash(("c", value)), 5
    if isinstance(value, int | float):
        return hash((type(value).__name__, value)), len(repr(value))
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
        return hash(("b", data)), 4 * -(-len(data) // 3) + 2
    return hash(("?", type(value).__name__)), 8


def shape(value: Any, scan: bool = False) -> Shape:
    """``(hash, compact JSON length, dynamic kind or None)``; ``scan``: look for per-call
    values (timestamps, ids) in the strings."""
    kind = type(value)
    if kind is str:
        return hash(value), len(value) + 2, dynamic_kind(value) if scan else None
    # exact types first: an ABC ``isinstance`` costs more than the rest of a small node
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        return _mapping(value, scan)
    if kind is list or isinstance(value, list | tuple):
        return _sequence(value, scan)
    if isinstance(value, str):  # a str subclass
        return hash(str(value)), len(value) + 2, dynamic_kind(str(value)) if scan else None
    h, n = _scalar(value)
    return h, n, None


def _child(item: Any, scan: bool) -> Shape:
    kind = type(item)
    if kind is dict:
        return _mapping(item, scan)
    if kind is list:
        return _sequence(item, scan)
    return shape(item, scan)


def _mapping(value: Mapping[Any, Any], scan: bool) -> Shape:
    hashes, length, dynamic = _fold(value.values(), scan)
    for key in value:  # braces, then per entry its key, a colon and a comma
        length += len(key) + 3 if type(key) is str else len(str(key)) + 3
    return hash(("{", frozenset(zip(value, hashes, strict=True)))), 1 + len(value) + length, dynamic


def _sequence(value: list[Any] | tuple[Any, ...], scan: bool) -> Shape:
    hashes, length, dynamic = _fold(value, scan)
    return hash(("[", tuple(hashes))), 1 + max(len(value), 1) + length, dynamic


def _fold(values: Iterable[Any], scan: bool) -> tuple[list[int], int, str | None]:
    """The children's hashes in order, their serialized length, the first dynamic hint."""
    hashes = []
    length = 0
    dynamic = None
    for item in values:
        if type(item) is str:  # inline: most leaves are strings
            h, n = hash(item), len(item) + 2
            if scan and dynamic is None:
                dynamic = dynamic_kind(item)
        else:
            h, n, d = _child(item, scan)
            dynamic = dynamic or d
        hashes.append(h)
        length += n
    return hashes, length, dynamic


def structured(value: Any, scan: bool, fallback: Callable[[Any], str]) -> Shape:
    """:func:`shape`, or for a value nested deeper than Python recurses, the same from
    ``fallback`` (an iterative canonical JSON of it)."""
    try:
        return shape(value, scan)
    except RecursionError:
        encoded = fallback(value)
        return hash(encoded), len(encoded), dynamic_kind(encoded) if scan else None


#: compact JSON, keys sorted: the memo key of a value's shape (a non-JSON value raises)
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


#: shapes by their value's compact JSON (and whether per-call values were looked for)
_SHAPES: SizedMemo[tuple[bool, str], Shape] = SizedMemo(8_000_000)


def structured_fresh(value: Any, scan: bool, fallback: Callable[[Any], str]) -> Shape:
    """:func:`structured` for values that are new objects on every call (a body parsed from
    JSON text): a walk pays in Python for every node (a tool schema has dozens) where the C
    encoder's compact JSON and one lookup find the shape read before. Same result as
    :func:`structured`; a value JSON cannot write (bytes, a circle) is walked."""
    try:
        key = (scan, _ENCODE(value))
    except (TypeError, ValueError, RecursionError):
        return structured(value, scan, fallback)
    known = _SHAPES.items.get(key)
    if known is None:
        known = structured(value, scan, fallback)
        _SHAPES.put(key, known, len(key[1]))
    return known


def identity(*parts: object) -> bytes:
    """A block's digest from Python's hash of its parts (strings hash once per object)."""
    return hash(parts).to_bytes(8, "big", signed=True)
