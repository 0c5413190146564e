"""Run the demo session through a real boto3 client against the simulator, twice.

Both runs use a fresh simulator (cold cache) and the same scripted session; the first sends
requests as they are, the second with the hook installed on its client. Token counts and
time to first token come from the simulator's call log, so both runs are measured the same
way; the hooked run's statuses and markers come from the hook's own ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalog import cost, resolve
from ..install import install, uninstall
from ..ledger import CallRecord, Ledger, Status, classify
from ..sim import Simulator
from ..usage import Usage
from . import scenario


@dataclass(frozen=True)
class CallRow:
    index: int
    label: str
    operation: str
    status: Status
    read: int
    write: int
    uncached: int
    output: int
    markers: int
    injected: int
    first_token_ms: int
    cost_usd: float
    paused_s: float
    #: the ledger's miss reason with its detail ("cold", "ttl_expired 360s"); None on a hit
    #: and in the run without the hook
    reason: str | None = None


def reason_text(record: CallRecord | None) -> str | None:
    if record is None or record.miss_reason is None:
        return None
    detail = record.miss_detail
    if detail is None:
        return record.miss_reason
    if record.miss_reason == "ttl_expired":
        return f"ttl_expired {detail:.0f}s"
    return f"{record.miss_reason} @{detail:.0f}"


@dataclass(frozen=True)
class RunResult:
    name: str
    rows: tuple[CallRow, ...]

    @property
    def cost_usd(self) -> float:
        return sum(row.cost_usd for row in self.rows)

    @property
    def hit_rate(self) -> float:
        read = sum(row.read for row in self.rows)
        total = sum(row.read + row.write + row.uncached for row in self.rows)
        return read / total if total else 0.0

    @property
    def mean_first_token_ms(self) -> float:
        return sum(row.first_token_ms for row in self.rows) / len(self.rows) if self.rows else 0.0


@dataclass(frozen=True)
class DemoResult:
    without: RunResult
    with_hook: RunResult
    model_id: str = scenario.MODEL_ID

    @property
    def savings_usd(self) -> float:
        return self.without.cost_usd - self.with_hook.cost_usd

    @property
    def savings_pct(self) -> float:
        base = self.without.cost_usd
        return 100.0 * self.savings_usd / base if base else 0.0

    @property
    def first_token_gain_pct(self) -> float:
        base = self.without.mean_first_token_ms
        return 100.0 * (base - self.with_hook.mean_first_token_ms) / base if base else 0.0


Progress = Callable[[str, CallRow, int], None]


def _price(model_id: str, read: int, write: int, uncached: int, output: int) -> float:
    resolution = resolve(model_id)
    if resolution.prices is None:
        return 0.0
    billed, _ = cost(
        resolution.prices,
        input_tokens=uncached,
        output_tokens=output,
        cache_read_tokens=read,
        cache_write_5m_tokens=write,
        cache_write_1h_tokens=0,
        multiplier=resolution.price_multiplier,
    )
    return billed


def _call(client: Any, step: scenario.Step, history: list[dict[str, Any]], model_id: str) -> str:
    kwargs = scenario.request(history, model_id)
    if step.stream:
        for _ in client.converse_stream(**kwargs)["stream"]:
            pass  # a real caller would render the text as it arrives
        return "ConverseStream"
    client.converse(**kwargs)
    return "Converse"


def _run(name: str, hooked: bool, progress: Progress | None, model_id: str) -> RunResult:
    sim = Simulator()
    client = sim.client()
    ledger = Ledger()
    if hooked:
        install(client, mode="inject", ledger=ledger, clock=lambda: sim.now)
    else:
        install(client, mode="off")  # pure pass-through, even under a process-wide install
    history: list[dict[str, Any]] = []
    rows: list[CallRow] = []
    steps = list(scenario.steps())
    try:
        for index, step in enumerate(steps, start=1):
            if step.pause_before:
                sim.advance(step.pause_before)
            history = [*history, {"role": "user", "content": step.user}]
            operation = _call(client, step, history, model_id)
            history = [*history, {"role": "assistant", "content": step.assistant}]
            log = sim.last_call()
            record: CallRecord | None = ledger.records()[-1] if hooked else None
            usage = Usage(
                log.input_tokens, log.output_tokens, log.cache_read_tokens, log.cache_write_tokens
            )
            row = CallRow(
                index=index,
                label=step.label,
                operation=operation,
                status=record.status if record else classify(usage, 0, failed=False),
                read=log.cache_read_tokens,
                write=log.cache_write_tokens,
                uncached=log.input_tokens,
                output=log.output_tokens,
                markers=record.markers if record else 0,
                injected=record.injected if record else 0,
                first_token_ms=log.first_token_ms,
                cost_usd=_price(
                    model_id,
                    log.cache_read_tokens,
                    log.cache_write_tokens,
                    log.input_tokens,
                    log.output_tokens,
                ),
                paused_s=step.pause_before,
                reason=reason_text(record),
            )
            rows.append(row)
            if progress is not None:
                progress(name, row, len(steps))
    finally:
        uninstall(client)
    return RunResult(name, tuple(rows))


def run_demo(progress: Progress | None = None, model_id: str = scenario.MODEL_ID) -> DemoResult:
    """The session without and with the hook, on ``model_id`` (any id form the simulator
    knows; :func:`~..sim.models.resolve_model` raises for one it does not)."""
    return DemoResult(
        without=_run("without the hook", hooked=False, progress=progress, model_id=model_id),
        with_hook=_run("with the hook", hooked=True, progress=progress, model_id=model_id),
        model_id=model_id,
    )
