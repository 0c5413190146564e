"""Token estimates calibrated by what Bedrock reported, where a limit is counted in real
tokens: Nova caches at most 20K tokens of a prefix, and a tail placed by estimates that
undercount by more than the hedge's margin caches nothing, on every turn past the cap.

Per model, the largest ratio of the input tokens a response reported to the request's
estimate over the last few responses: the cap in estimated tokens then moves only when the
estimates get worse, and a tail that stays put is read back (Nova looks back for no entry).
Thread-safe, bounded.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque

from ..catalog import ModelSpec

__all__ = ["TokenCalibration"]

#: a ratio outside this range is no estimate error but another request's usage
_RANGE = (0.5, 2.0)
_CAPACITY = 1024
#: responses per model the ratio is taken over
_WINDOW = 32


class TokenCalibration:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ratios: dict[str, float] = {}
        self._recent: dict[str, deque[float]] = {}
        #: capped specs by (spec, cap): one per model and cap, not one per call
        self._specs: dict[tuple[int, int], tuple[ModelSpec, ModelSpec]] = {}

    def learn(self, model: str, estimated: int, reported: int) -> None:
        """A response reported ``reported`` input tokens for a request estimated at
        ``estimated``."""
        if estimated <= 0 or reported <= 0:
            return
        ratio = reported / estimated
        if not _RANGE[0] <= ratio <= _RANGE[1]:
            return
        with self._lock:
            recent = self._recent.get(model)
            if recent is None:
                if len(self._recent) >= _CAPACITY:
                    self._recent.clear()
                    self._ratios.clear()
                recent = self._recent[model] = deque(maxlen=_WINDOW)
            recent.append(ratio)
            self._ratios[model] = max(recent)

    def capped(self, spec: ModelSpec, model: str) -> ModelSpec:
        """``spec`` with its cap on cached tokens in estimated tokens (unchanged without a
        cap or before a response of the model was seen)."""
        cap = spec.max_cached_tokens
        ratio = self._ratios.get(model)
        if cap is None or ratio is None:
            return spec
        estimated_cap = int(cap / ratio)
        key = (id(spec), estimated_cap)
        known = self._specs.get(key)
        if known is not None and known[0] is spec:
            return known[1]
        result = dataclasses.replace(spec, max_cached_tokens=estimated_cap)
        with self._lock:
            if len(self._specs) >= _CAPACITY:
                self._specs.clear()
            self._specs[key] = (spec, result)
        return result
