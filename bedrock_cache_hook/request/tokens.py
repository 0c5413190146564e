"""Fast token estimates per block, used only to decide whether a prefix reaches a minimum.

Rules (chosen for speed: length arithmetic only, no tokenizer tables):

- text: ASCII characters / 4, plus one token per non-ASCII character (CJK and other
  multi-byte scripts run close to a token per character);
- JSON (tool specs, tool inputs, anything structured): compact JSON length / 3.4;
- images: width x height / 750 from the PNG, GIF, WebP or JPEG header, capped at 1,600 (the
  model downsizes larger images); unknown size (S3 source, unreadable header): 1,600;
- documents: PDF pages x 1,500 (pages counted from ``/Type /Page`` objects), other formats
  as text from their byte length.

Measured error: ``scripts/measure_token_estimates.py`` and README "Token estimates". The
planner only compares cumulative estimates with a model minimum. A marker placed under the
real minimum costs nothing (nothing is written) while a marker skipped loses a cache, so the
constants lean towards counting high. JSON especially: against the public Claude 2 tokenizer
3.4 characters per token counts ~1.4x, the high side of what is published for the 2026
tokenizer (+34% tokens on minified JSON over the previous one); the older 4.4 undercounted
tool specs by a third against the simulator, which lost first-call markers near the minimum.
Models on the 2026 tokenizer also scale every estimate (``ModelSpec.token_scale``).
"""

from __future__ import annotations

import re
import struct

__all__ = ["document_tokens", "image_tokens", "json_tokens", "text_tokens"]

IMAGE_TOKEN_CAP = 1600
PIXELS_PER_TOKEN = 750
PDF_PAGE_TOKENS = 1500
JSON_CHARS_PER_TOKEN = 3.4
TEXT_CHARS_PER_TOKEN = 4


def text_tokens(text: str) -> int:
    length = len(text)
    if text.isascii():
        return -(-length // TEXT_CHARS_PER_TOKEN)
    non_ascii = length - len(text.encode("ascii", "ignore"))  # C-speed count, no Python loop
    return -(-(length - non_ascii) // TEXT_CHARS_PER_TOKEN) + non_ascii


def json_tokens(compact_json_length: int) -> int:
    return int(compact_json_length * 10 // int(JSON_CHARS_PER_TOKEN * 10)) + 1


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _gif_size(data: bytes) -> tuple[int, int] | None:
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if data[:2] != b"\xff\xd8":
        return None
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return int(width), int(height)
        offset += 2 + length
    return None


def image_tokens(data: bytes | None) -> int:
    if not data:
        return IMAGE_TOKEN_CAP
    for reader in (_png_size, _jpeg_size, _gif_size, _webp_size):
        size = reader(data)
        if size is not None:
            width, height = size
            return max(1, min(IMAGE_TOKEN_CAP, width * height // PIXELS_PER_TOKEN))
    return IMAGE_TOKEN_CAP


_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def document_tokens(data: bytes | str | None, doc_format: str | None) -> int:
    if data is None:
        return PDF_PAGE_TOKENS
    if isinstance(data, str):
        return text_tokens(data)
    if doc_format == "pdf":
        return max(1, len(_PDF_PAGE.findall(data))) * PDF_PAGE_TOKENS
    return -(-len(data) // TEXT_CHARS_PER_TOKEN)
