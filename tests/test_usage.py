from __future__ import annotations

from bedrock_cache_hook.response.headers import from_headers
from bedrock_cache_hook.response.usage import Usage, from_converse


def test_converse_usage_is_taken_as_reported() -> None:
    usage = from_converse(
        {
            "inputTokens": 12,
            "outputTokens": 3,
            "totalTokens": 2015,
            "cacheReadInputTokens": 1500,
            "cacheWriteInputTokens": 500,
        }
    )
    assert usage == Usage(12, 3, 1500, 500, None, None, "converse")
    assert usage.total_input_tokens == 2012


def test_cache_details_split_write_by_ttl() -> None:
    usage = from_converse(
        {
            "inputTokens": 1,
            "outputTokens": 1,
            "cacheWriteInputTokens": 300,
            "cacheDetails": [{"ttl": "1h", "inputTokens": 200}, {"ttl": "5m", "inputTokens": 100}],
        }
    )
    assert (usage.cache_write_1h_tokens, usage.cache_write_5m_tokens) == (200, 100)


def test_missing_or_malformed_fields_count_as_zero() -> None:
    assert from_converse(None) == Usage()
    usage = from_converse({"inputTokens": -5, "outputTokens": "7", "cacheReadInputTokens": True})
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (0, 0, 0)


def test_headers_any_case() -> None:
    usage = from_headers(
        {
            "X-Amzn-Bedrock-Input-Token-Count": "11",
            "x-amzn-bedrock-output-token-count": "4",
            "X-Amzn-Bedrock-Cache-Read-Input-Token-Count": "1024",
            "X-AMZN-BEDROCK-CACHE-WRITE-INPUT-TOKEN-COUNT": "0",
        }
    )
    assert usage == Usage(11, 4, 1024, 0, source="headers")


def test_headers_absent_or_garbage() -> None:
    assert from_headers({}) is None
    assert from_headers(None) is None
    assert from_headers({"x-amzn-bedrock-input-token-count": "n/a"}) is None
