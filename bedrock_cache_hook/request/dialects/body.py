"""InvokeModel request bodies: read any form boto3 accepts, without disturbing it.

boto3 accepts ``bytes``, ``bytearray``, ``str`` and file-like objects for ``body``. Reading
rules:

- ``bytes`` / ``bytearray`` / ``str``: read as they are (a ``str`` as UTF-8);
- a seekable file-like object: read from where it stands (what botocore would send) and put
  back at that exact position, also when reading fails;
- a non-seekable stream: not read at all (reading would consume what botocore must send);
  the caller gets the ``body-unreadable`` finding where caching matters;
- anything else (``None``, a dict, ...): not read; botocore's own validation speaks to it.

A body is re-serialized (in the caller's own layout when it is one of :data:`STYLES`, else
compact JSON; UTF-8, non-ASCII kept as is) only when a marker or a
beta was added; otherwise the caller's object goes out untouched, byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..prefix import digest
from .deep import deep_canonical
from .spans import Spans, scan

__all__ = [
    "BodyRead",
    "botocore_accepts",
    "canonical",
    "decode_base64",
    "encode",
    "peek",
    "read_body",
    "salt_of",
    "utf8",
]

#: body problems (finding codes) when the body cannot be read as a JSON object
UNREADABLE = "body-unreadable"
NOT_JSON = "body-not-json"


class BodyRead:
    """What reading a body gave: the JSON object, or the reason there is none.

    ``rewritable``: re-serializing ``data`` (:func:`encode`) gives the caller's body back
    with nothing changed but what the hook adds: UTF-8 without a BOM, no duplicate keys, no
    ``NaN``/``Infinity``, every number written as Python writes it. Otherwise the body is
    read for the audit only and sent untouched (``body-not-rewritable``).
    """

    __slots__ = ("_rewritable", "data", "pending", "problem", "spans", "style")

    def __init__(
        self,
        data: dict[str, Any] | None,
        problem: str | None,
        rewritable: bool = False,
        *,
        style: str = "compact",
        pending: str | None = None,
        spans: Spans | None = None,
    ) -> None:
        self.data = data
        self.problem = problem
        self._rewritable = rewritable
        #: how the caller's JSON was written (:data:`STYLES`), kept when it is re-written
        self.style = style
        #: the caller's text, while whether ``data`` gives it back is not yet settled (a
        #: caller that marks the body settles it with the one dumps it needs anyway)
        self.pending = pending
        #: where each element sits in the caller's text (read by one scan per element)
        self.spans = spans

    @property
    def rewritable(self) -> bool:
        if self.pending is not None:
            text, self.pending = self.pending, None
            style = _style(self.data, text)
            self._rewritable = True if style is not None else _faithful(text)
            self.style = style or "compact"
        return self._rewritable

    @rewritable.setter
    def rewritable(self, value: bool) -> None:
        self._rewritable, self.pending = value, None


def peek(body: Any) -> bytes | str | None:
    """The body's bytes (or text) without moving a seekable stream; None when unreadable."""
    if isinstance(body, bytes | str):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    read = getattr(body, "read", None)
    if not callable(read):
        return None
    try:
        seekable = bool(body.seekable()) if hasattr(body, "seekable") else False
        position = body.tell() if seekable else None
    except (OSError, ValueError, AttributeError):
        return None
    if position is None:
        return None
    try:
        data = read()
    except (OSError, ValueError):
        return None
    finally:
        body.seek(position)
    if isinstance(data, bytes | bytearray | str):
        return data if isinstance(data, str) else bytes(data)
    return None


def botocore_accepts(body: Any) -> bool:
    """Whether botocore itself would send this ``body`` (its blob validation and UTF-8
    serialization of a ``str``): a body it refuses must stay refused, so it is not read."""
    if isinstance(body, str):
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    return isinstance(body, bytes | bytearray) or hasattr(body, "read")


class _Faithful:
    """JSON decoding hooks noting anything a re-serialization would not give back."""

    __slots__ = ("ok",)

    def __init__(self) -> None:
        self.ok = True

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            self.ok = False  # duplicate keys: a round trip would keep only the last
        return out

    def number(self, text: str) -> float:
        value = float(text)
        if repr(value) != text:
            self.ok = False  # 1E5, 1.50, 1e400: written back differently
        return value

    def integer(self, text: str) -> int:
        value = int(text)
        if text.startswith("-0"):
            self.ok = False  # -0 is written back as 0
        return value

    def constant(self, text: str) -> float:
        self.ok = False  # NaN / Infinity: not JSON, kept only as the caller sent them
        return float(text)


#: the ways bodies are commonly written: ``json.dumps(body)`` and compact JSON. A body that
#: one of them writes back exactly is faithful by construction (no duplicate keys, numbers
#: as Python writes them), which C-speed ``json.loads`` + ``json.dumps`` prove at once; only
#: other bodies take the slower hooked decoder
STYLES: dict[str, dict[str, Any]] = {
    "default": {"allow_nan": False},
    "compact": {"separators": (",", ":"), "ensure_ascii": False, "allow_nan": False},
    "compact-ascii": {"separators": (",", ":"), "allow_nan": False},
}


def _style(data: Any, text: str) -> str | None:
    for name, options in STYLES.items():
        try:
            if json.dumps(data, **options) == text:
                return name
        except (ValueError, RecursionError):  # NaN / Infinity, or nested too deep
            return None
    return None


def _faithful(text: str) -> bool:
    """Whether a body no style writes back still re-serializes faithfully (compact)."""
    faithful = _Faithful()
    try:
        json.loads(
            text,
            object_pairs_hook=faithful.pairs,
            parse_float=faithful.number,
            parse_int=faithful.integer,
            parse_constant=faithful.constant,
        )
    except (ValueError, RecursionError):
        return False
    return faithful.ok


def read_body(body: Any) -> BodyRead:
    """Read an InvokeModel ``body`` into a JSON object, leaving the caller's object as found."""
    if body is None or not botocore_accepts(body):
        return BodyRead(None, None)
    raw = peek(body)
    if raw is None:
        return BodyRead(None, UNREADABLE if callable(getattr(body, "read", None)) else NOT_JSON)
    faithful = _Faithful()
    text: str | bytes = raw
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            faithful.ok = False  # UTF-16/32 JSON is still read for the audit
        else:
            if text.startswith("\ufeff"):
                faithful.ok = False
    elif not isinstance(body, str):
        faithful.ok = False  # a file-like object returning text: left to botocore
    if faithful.ok and isinstance(text, str):
        scanned = scan(text)
        if scanned is not None:
            return BodyRead(scanned[0], None, pending=text, spans=scanned[1])
        try:
            fast = json.loads(text)
        except (ValueError, RecursionError):
            return BodyRead(None, NOT_JSON)
        if not isinstance(fast, dict):
            return BodyRead(None, NOT_JSON)
        return BodyRead(fast, None, pending=text)
    try:
        data = json.loads(
            text,
            object_pairs_hook=faithful.pairs,
            parse_float=faithful.number,
            parse_int=faithful.integer,
            parse_constant=faithful.constant,
        )
    except (ValueError, UnicodeDecodeError, RecursionError):
        return BodyRead(None, NOT_JSON)
    if not isinstance(data, dict):
        return BodyRead(None, NOT_JSON)
    return BodyRead(data, None, faithful.ok)


def encode(data: Mapping[str, Any], style: str = "compact") -> bytes:
    """The wire form of a body we changed, written as the caller wrote it (:data:`STYLES`;
    UTF-8; a string holding a lone surrogate, which UTF-8 cannot carry, keeps the
    ``\\uXXXX`` escape it arrived as)."""
    options = STYLES.get(style, STYLES["compact"])
    try:
        return json.dumps(data, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, **{**options, "ensure_ascii": True}).encode("ascii")


def salt_of(values: Iterable[Any], default: Callable[[Any], str] = str) -> bytes:
    """The digest of what invalidates the messages cache without changing any block (tool
    choice, thinking parameters, ...): the canonical JSON of each value given; b"" for none."""
    parts = [canonical(value, default) for value in values if value is not None]
    return digest(utf8("|".join(parts))) if parts else b""


def utf8(text: str) -> bytes:
    """Bytes of a string for hashing; lone surrogates (legal in JSON) pass through."""
    return text.encode("utf-8", "surrogatepass")


def canonical(value: Any, default: Callable[[Any], str] = str) -> str:
    """Stable compact JSON for hashing and size estimates (keys sorted); a value nested
    deeper than Python's recursion allows (tool schemas 500 levels deep) gets an iterative
    rendering of the same content instead."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=default)
    except RecursionError:
        return deep_canonical(value, default)


def decode_base64(data: Any, limit: int | None = None) -> bytes | None:
    """Bytes of a base64 string (only the first ``limit`` characters when given)."""
    if not isinstance(data, str):
        return None
    text = data if limit is None else data[: limit - limit % 4]
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
