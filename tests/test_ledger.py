"""Ledger: status rules, bounds, totals, thread safety, per-model summary."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from bedrock_cache_hook import CallRecord, Ledger, Usage
from bedrock_cache_hook.ledger import classify


def record(model: str = "m", **fields: object) -> CallRecord:
    base = CallRecord(
        operation="Converse", model_id=model, timestamp=0.0, latency_ms=1.0, status="uncached"
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("usage", "markers", "failed", "expected"),
    [
        (Usage(input_tokens=10), 0, True, "error"),
        (Usage(input_tokens=10, cache_read_tokens=500), 1, True, "error"),
        (Usage(input_tokens=10), 0, False, "uncached"),
        (Usage(), 0, False, "uncached"),
        (Usage(input_tokens=10), 1, False, "miss"),
        (Usage(input_tokens=10, cache_write_tokens=2000), 0, False, "miss"),
        (Usage(input_tokens=10, cache_write_tokens=2000), 2, False, "miss"),
        (Usage(input_tokens=50, cache_read_tokens=50), 1, False, "hit"),
        (Usage(input_tokens=51, cache_read_tokens=50), 1, False, "partial"),
        (Usage(input_tokens=10, cache_read_tokens=30, cache_write_tokens=30), 1, False, "partial"),
        (Usage(input_tokens=10, cache_read_tokens=1000, cache_write_tokens=30), 0, False, "hit"),
    ],
)
def test_classify(usage: Usage, markers: int, failed: bool, expected: str) -> None:
    assert classify(usage, markers, failed) == expected


def test_bounded_records_but_totals_never_drop() -> None:
    ledger = Ledger(capacity=3)
    for i in range(10):
        ledger.append(record(input_tokens=i, status="miss"))
    kept = ledger.records()
    assert [r.input_tokens for r in kept] == [7, 8, 9]
    summary = ledger.summary()
    assert summary.calls == 10
    assert summary.misses == 10
    assert summary.input_tokens == sum(range(10))


def test_shrinking_capacity_keeps_newest() -> None:
    ledger = Ledger(capacity=5)
    for i in range(5):
        ledger.append(record(input_tokens=i))
    ledger.set_capacity(2)
    assert [r.input_tokens for r in ledger.records()] == [3, 4]
    assert ledger.summary().calls == 5


def test_summary_hit_rate_and_per_model() -> None:
    ledger = Ledger()
    ledger.append(record("a", input_tokens=100, cache_read_tokens=900, status="hit"))
    ledger.append(record("a", input_tokens=100, cache_write_tokens=900, status="miss"))
    ledger.append(record("b", input_tokens=50, output_tokens=5, status="uncached"))
    ledger.append(record("b", status="error", error_code="ThrottlingException"))
    summary = ledger.summary()
    assert summary.calls == 4
    assert summary.errors == 1
    assert (summary.hits, summary.misses, summary.uncached) == (1, 1, 1)
    assert summary.input_tokens == 250
    assert summary.cache_read_tokens == 900
    assert summary.cache_write_tokens == 900
    assert summary.output_tokens == 5
    assert summary.hit_rate == pytest.approx(900 / 2050)
    assert set(summary.by_model) == {"a", "b"}
    assert summary.by_model["a"].hit_rate == pytest.approx(900 / 2000)
    assert summary.by_model["b"].calls == 2
    assert summary.by_model["b"].hit_rate == 0.0


def test_empty_summary_hit_rate_is_zero() -> None:
    assert Ledger().summary().hit_rate == 0.0


def test_clear_resets_records_and_totals() -> None:
    ledger = Ledger()
    ledger.append(record(input_tokens=5))
    ledger.clear()
    assert ledger.records() == []
    assert ledger.summary().calls == 0
    assert ledger.summary().by_model == {}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_invalid_capacity(bad: object) -> None:
    with pytest.raises(ValueError, match="capacity"):
        Ledger(capacity=bad)  # type: ignore[arg-type]


def test_subscribe_and_unsubscribe() -> None:
    ledger = Ledger()
    seen: list[CallRecord] = []
    unsubscribe = ledger.subscribe(seen.append)
    ledger.append(record())
    unsubscribe()
    ledger.append(record())
    assert len(seen) == 1


def test_concurrent_appends_lose_nothing() -> None:
    ledger = Ledger(capacity=100)

    def worker() -> None:
        for _ in range(2000):
            ledger.append(record(input_tokens=1, cache_read_tokens=2, status="hit"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = ledger.summary()
    assert summary.calls == 16_000
    assert summary.input_tokens == 16_000
    assert summary.cache_read_tokens == 32_000
    assert len(ledger.records()) == 100
