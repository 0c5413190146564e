"""The latency model: cached prefix tokens are much cheaper to process than uncached ones.

Time to first token ``= base + per_input * (uncached + written) + per_cached * read`` ms; the
whole invocation ``= first token + per_output * output`` ms (each term rounded to whole ms).
The numbers are reported (Converse ``metrics.latencyMs``, stream metadata, InvokeModel's
``X-Amzn-Bedrock-Invocation-Latency``, ``invocationLatency`` / ``firstByteLatency``) and only
slept for real when the simulator's ``time_scale`` is above 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cache import Accounting

__all__ = ["LatencyModel"]


@dataclass(frozen=True)
class LatencyModel:
    base_ms: float = 180.0
    per_input_token_ms: float = 0.12
    per_cached_token_ms: float = 0.006
    per_output_token_ms: float = 14.0

    def first_token_ms(self, accounting: Accounting) -> int:
        processed = self.per_input_token_ms * (accounting.uncached + accounting.write)
        return round(self.base_ms + processed + self.per_cached_token_ms * accounting.read)

    def total_ms(self, accounting: Accounting, output_tokens: int) -> int:
        return self.first_token_ms(accounting) + round(self.per_output_token_ms * output_tokens)
