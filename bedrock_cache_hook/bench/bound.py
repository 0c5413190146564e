"""A perfect-foresight lower bound on the input cost of a trace, under any marker strategy.

Every request is read into the simulator's own blocks (its parsers, token counts, the tool-use
system prompt it adds, and its prefix hashes, :func:`~..sim.cache.prefix_hashes`). A *node* is
one prefix: ``(model, H(i))``, the exact content tools -> system -> messages through block
``i``; its own tokens are block ``i``'s. Every request containing a node *visits* it. In any
real run, at each visit a node's tokens are billed one of: read (cache-read price), written
under a 5m or 1h checkpoint (write price of that TTL), or uncached (input price). The bound
lets every node choose independently, with full knowledge of all visits, under rules that
only relax Bedrock's:

* a node can be read whenever it is *live*; a live node is always read (it is the cheapest
  and keeps the node live longest, so this loses nothing);
* a node becomes live by being written (5m or 1h) at a visit whose request reaches the
  model's minimum in total (a real checkpoint needs ``C(k) >= min`` at some ``k <= end``)
  and, on a model with a cap on cached tokens (Nova), whose own prefix is within the cap (a
  checkpoint past the cap caches nothing, so nothing past it is ever written or read);
  no 4-marker cap, no lookback, any mix of TTLs across nodes, entries usable at once (even
  by a request sent at the same moment);
* a live node stays live until ``TTL`` after the visit that wrote it, and every read extends
  it by the longest TTL the model offers (a read can always be paired with a deeper 1h
  checkpoint in the same request, which then covers this prefix as well).

Why no real run is cheaper: in a run Bedrock accepts, a node's tokens are read only if an
entry at it or deeper is live; that entry was created at a visit where the node was written
or read, and refreshed only at visits (reads) of the node; a 1h entry covers only tokens
billed at 1h or read, since Bedrock refuses a 1h checkpoint after a 5m one. So every run's
per-visit choices are allowed here, at the same prices, and the bound is their minimum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalog import resolve
from ..catalog.prices import PER_TOKEN
from ..request.dialects.body import encode
from ..sim.cache import prefix_hashes
from ..sim.converse_wire import parse_converse
from ..sim.invoke_wire import decode_body, parse_invoke
from ..sim.models import resolve_model
from ..sim.requests import TTL_SECONDS, Prompt, with_tool_prompt
from .trace import Trace

__all__ = ["Bound", "lower_bound", "prompt_of"]

#: per-visit actions
UNCACHED, READ, WRITE_5M, WRITE_1H = "uncached", "read", "write_5m", "write_1h"


@dataclass
class Bound:
    dollars: float = 0.0
    tokens: dict[str, int] = field(
        default_factory=lambda: {UNCACHED: 0, READ: 0, WRITE_5M: 0, WRITE_1H: 0}
    )
    #: per request: tokens by action, and dollars
    calls: list[dict[str, float]] = field(default_factory=list)


@dataclass
class _Rates:
    """Prices as multiples of the input price, and the dollars of one input token."""

    unit: float
    read: float
    write: dict[str, float]
    refresh: float


@dataclass
class _Node:
    tokens: int
    rates: _Rates
    visits: list[tuple[float, bool, int]] = field(default_factory=list)


def prompt_of(operation: str, kwargs: Mapping[str, Any]) -> tuple[str, Any, Prompt]:
    """(base model id, simulator model spec, prompt) of one request, as the simulator reads it."""
    model = resolve_model(str(kwargs["modelId"]))
    if operation.startswith("Converse"):
        prompt = parse_converse(kwargs)
    else:
        body = kwargs.get("body")
        raw = encode(body) if isinstance(body, Mapping) else str(body).encode("utf-8")
        prompt = parse_invoke(decode_body(raw), model.spec)[1]
    return model.base_id, model.spec, with_tool_prompt(prompt, model.spec.tool_prompt_tokens)


def _rates(model_id: str, ttls: tuple[str, ...]) -> _Rates | None:
    resolution = resolve(model_id)
    prices = resolution.prices
    if prices is None or prices.input <= 0:
        return None
    write = {"5m": prices.write_5m / prices.input} if "5m" in ttls else {}
    if "1h" in ttls:
        one_hour = prices.write_1h if prices.write_1h is not None else prices.write_5m
        write["1h"] = one_hour / prices.input
    refresh = max((TTL_SECONDS[t] for t in write), default=0.0)
    unit = prices.input * PER_TOKEN * resolution.price_multiplier
    return _Rates(unit, prices.read / prices.input, write, refresh)


def _solve(node: _Node) -> list[str]:
    """The cheapest action at each visit of one node (backward dynamic programming)."""
    visits, rates = node.visits, node.rates
    m = len(visits)
    # after a read at j, reads continue up to (excluding) run_end[j]
    run_end = [m] * (m + 1)
    for j in range(m - 2, -1, -1):
        gap = visits[j + 1][0] - visits[j][0]
        run_end[j] = run_end[j + 1] if gap < rates.refresh else j + 1
    best = [0.0] * (m + 1)
    choice: list[tuple[str, int]] = [(UNCACHED, 1)] * m
    for i in range(m - 1, -1, -1):
        best[i] = 1.0 + best[i + 1]
        choice[i] = (UNCACHED, i + 1)
        if not visits[i][1]:
            continue
        for ttl, price in rates.write.items():
            nxt = i + 1
            if nxt < m and visits[nxt][0] - visits[i][0] < TTL_SECONDS[ttl]:
                end = run_end[nxt]
                cost = price + rates.read * (end - nxt) + best[end]
            else:
                end, cost = nxt, price + best[nxt]
            if cost < best[i]:
                best[i] = cost
                choice[i] = (WRITE_1H if ttl == "1h" else WRITE_5M, end)
    actions: list[str] = []
    i = 0
    while i < m:
        action, end = choice[i]
        actions.append(action)
        actions.extend([READ] * (end - i - 1))
        i = end
    return actions


def lower_bound(trace: Trace) -> Bound:
    nodes: dict[tuple[str, bytes], _Node] = {}
    rates_by_model: dict[str, _Rates | None] = {}
    bound = Bound()
    for index, call in enumerate(trace.calls):
        bound.calls.append({UNCACHED: 0, READ: 0, WRITE_5M: 0, WRITE_1H: 0, "dollars": 0.0})
        _, spec, prompt = prompt_of(call.operation, call.kwargs)
        model_id = str(call.kwargs["modelId"])
        if model_id not in rates_by_model:
            rates_by_model[model_id] = _rates(model_id, spec.ttls)
        rates = rates_by_model[model_id]
        if rates is None:
            continue
        qualifies = spec.can_cache and prompt.total_tokens >= spec.min_tokens
        if not spec.can_cache:
            rates = _Rates(rates.unit, rates.read, {}, 0.0)
        cap = spec.max_cached_tokens
        through = 0
        for block, chain in zip(prompt.blocks, prefix_hashes(prompt), strict=True):
            through += block.tokens
            node = nodes.get((model_id, chain))
            if node is None:
                node = nodes[(model_id, chain)] = _Node(block.tokens, rates)
            node.visits.append((call.at, qualifies and (cap is None or through <= cap), index))
    factors = {UNCACHED: 1.0}
    for node in nodes.values():
        rates = node.rates
        prices = {**factors, READ: rates.read}
        prices[WRITE_5M] = rates.write.get("5m", 1.0)
        prices[WRITE_1H] = rates.write.get("1h", 1.0)
        for (_, _, index), action in zip(node.visits, _solve(node), strict=True):
            dollars = node.tokens * prices[action] * rates.unit
            row = bound.calls[index]
            row[action] += node.tokens
            row["dollars"] += dollars
            bound.tokens[action] += node.tokens
            bound.dollars += dollars
    return bound
