from __future__ import annotations

import struct
import zlib

from bedrock_cache_hook.request.tokens import (
    document_tokens,
    image_tokens,
    json_tokens,
    text_tokens,
)


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def jpeg(width: int, height: int) -> bytes:
    app0 = (
        b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_text_ascii_is_a_quarter_of_its_length() -> None:
    assert text_tokens("") == 0
    assert text_tokens("abcd") == 1
    assert text_tokens("abcde") == 2
    assert text_tokens("x" * 4000) == 1000


def test_text_non_ascii_counts_about_a_token_per_character() -> None:
    assert text_tokens("日本語のテキスト" * 10) >= 70


def test_json_is_denser_than_prose() -> None:
    # 3.4 characters per token (prose: 4): counted high on purpose, see tokens.py
    assert json_tokens(340) == 101
    assert json_tokens(339) == 100
    assert json_tokens(3400) > text_tokens("x" * 3400)


def test_image_tokens_from_dimensions() -> None:
    assert image_tokens(png(200, 150)) == 40
    assert image_tokens(jpeg(300, 250)) == 100
    assert image_tokens(png(4000, 4000)) == 1600
    assert image_tokens(b"not an image") == 1600
    assert image_tokens(None) == 1600


def test_documents() -> None:
    pdf = b"%PDF-1.7 /Type /Pages /Type /Page x /Type /Page y /Type/Page"
    assert document_tokens(pdf, "pdf") == 3 * 1500
    assert document_tokens(b"a" * 400, "txt") == 100
    assert document_tokens("hello world!", "md") == 3
