"""Encode AWS event-stream frames (``application/vnd.amazon.eventstream``).

Frame: total length (u32) | headers length (u32) | prelude CRC32 | headers | payload |
message CRC32 over everything before it. Header values here are all strings (type 7).
botocore's own ``EventStreamBuffer`` decodes what this writes; the tests check both ways.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

__all__ = ["CONTENT_TYPE", "encode_event", "encode_exception", "encode_message"]

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def _encode_headers(headers: Mapping[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        raw_name = name.encode("utf-8")
        raw_value = value.encode("utf-8")
        out += struct.pack(">B", len(raw_name)) + raw_name
        out += struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    encoded_headers = _encode_headers(headers)
    total = 12 + len(encoded_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + encoded_headers + payload
    return body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def encode_event(event_type: str, payload: Any) -> bytes:
    """One event frame; ``payload`` is JSON-encoded."""
    return encode_message(
        {
            ":event-type": event_type,
            ":content-type": "application/json",
            ":message-type": "event",
        },
        _json(payload),
    )


def encode_exception(exception_type: str, message: str) -> bytes:
    """A modelled exception frame, as Bedrock sends when a stream fails mid-way."""
    return encode_message(
        {
            ":exception-type": exception_type,
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        _json({"message": message}),
    )
