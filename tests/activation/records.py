"""CallRecord factory for exporter tests."""

from __future__ import annotations

from typing import Any

from bedrock_cache_hook import CallRecord

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def record(**fields: Any) -> CallRecord:
    base: dict[str, Any] = {
        "operation": "Converse",
        "model_id": MODEL,
        "timestamp": 1_700_000_000.0,
        "latency_ms": 12.5,
        "status": "hit",
        "input_tokens": 100,
        "cache_read_tokens": 900,
        "cache_write_tokens": 0,
        "output_tokens": 20,
        "cost_usd": 0.001,
        "cost_without_cache_usd": 0.003,
    }
    base.update(fields)
    return CallRecord(**base)
