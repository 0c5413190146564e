"""Replay a trace through a real boto3 client against a fresh simulator, per strategy.

The simulator's virtual clock is moved to each call's time before it is sent, so cache
entries expire as they would. Token counts come from the simulator's call log, dollars from
the catalog prices (input side only: uncached input, cache reads and writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from ..activation.install import install, uninstall
from ..catalog import resolve
from ..catalog.prices import PER_TOKEN
from ..ledger import Ledger
from ..request.dialects.body import encode
from ..sim import Simulator
from .strategies import Strategy, framework_kwargs
from .trace import Trace

__all__ = ["CallCost", "Run", "input_dollars", "replay"]

_NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
_METHODS = {
    "Converse": "converse",
    "ConverseStream": "converse_stream",
    "InvokeModel": "invoke_model",
    "InvokeModelWithResponseStream": "invoke_model_with_response_stream",
}


@dataclass(frozen=True)
class CallCost:
    at: float
    uncached: int
    read: int
    write_5m: int
    write_1h: int
    dollars: float
    error: str | None = None

    @property
    def total(self) -> int:
        return self.uncached + self.read + self.write_5m + self.write_1h


@dataclass(frozen=True)
class Run:
    strategy: str
    calls: tuple[CallCost, ...]

    @property
    def dollars(self) -> float:
        return sum(c.dollars for c in self.calls)

    def tokens(self) -> dict[str, int]:
        return {
            "uncached": sum(c.uncached for c in self.calls),
            "read": sum(c.read for c in self.calls),
            "write_5m": sum(c.write_5m for c in self.calls),
            "write_1h": sum(c.write_1h for c in self.calls),
        }

    @property
    def errors(self) -> int:
        return sum(1 for c in self.calls if c.error is not None)


def input_dollars(
    model_id: str, *, uncached: int, read: int, write_5m: int, write_1h: int
) -> float:
    """Input-side dollars of one call at the catalog's prices for ``model_id``."""
    resolution = resolve(model_id)
    prices = resolution.prices
    if prices is None:
        return 0.0
    one_hour = prices.write_1h if prices.write_1h is not None else prices.write_5m
    raw = uncached * prices.input + read * prices.read + write_5m * prices.write_5m
    return (raw + write_1h * one_hour) * PER_TOKEN * resolution.price_multiplier


def _send(client: Any, operation: str, kwargs: dict[str, Any]) -> None:
    if isinstance(kwargs.get("body"), dict):
        kwargs = {**kwargs, "body": encode(kwargs["body"])}
    response = getattr(client, _METHODS[operation])(**kwargs)
    stream = response.get("stream") if operation == "ConverseStream" else None
    if operation == "InvokeModelWithResponseStream":
        stream = response.get("body")
    if stream is not None:
        for _ in stream:
            pass
    elif operation == "InvokeModel":
        response["body"].read()


def replay(trace: Trace, strategy: Strategy) -> Run:
    sim = Simulator()
    client = sim.client(config=_NO_RETRY)
    if strategy.hook is not None:
        settings = {"mode": "inject", **strategy.hook}
        install(client, ledger=Ledger(), clock=lambda: sim.now, **settings)
    else:
        install(client, mode="off")
    service = client.meta.service_model
    rows: list[CallCost] = []
    start = sim.now
    try:
        for call in trace.calls:
            sim.advance(max(start + call.at - sim.now, 0.0))
            kwargs = dict(call.kwargs)
            if strategy.rule is not None:
                model = service.operation_model(call.operation)
                kwargs = framework_kwargs(strategy.rule, call.operation, kwargs, model)
            error = None
            try:
                _send(client, call.operation, kwargs)
            except ClientError as exc:
                error = str(exc.response.get("Error", {}).get("Code", "ClientError"))
            log = sim.last_call()
            write_1h = log.cache_write_1h_tokens
            write_5m = log.cache_write_tokens - write_1h
            dollars = input_dollars(
                log.model_id,
                uncached=log.input_tokens,
                read=log.cache_read_tokens,
                write_5m=write_5m,
                write_1h=write_1h,
            )
            rows.append(
                CallCost(
                    call.at,
                    log.input_tokens,
                    log.cache_read_tokens,
                    write_5m,
                    write_1h,
                    dollars,
                    error,
                )
            )
    finally:
        uninstall(client)
    return Run(strategy.name, tuple(rows))
