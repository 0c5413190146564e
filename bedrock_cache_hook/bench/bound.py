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
* a node becomes live by being written (5m or 1h) at a visit whose request could hold a
  checkpoint at or after it: a block in a section that takes markers (Nova: not the tools),
  with ``C(k) >= min``, and, on a model with a cap on cached tokens (Nova), ``C(k) <= cap``
  (a block's tokens are written only under a checkpoint at or after it);
  no 4-marker cap, no lookback, any mix of TTLs across nodes, entries usable at once (even
  by a request sent at the same moment);
* a node's own entry, written at a visit under 5m or 1h, serves the following visits while
  the gaps between them stay under that TTL (every visit reading it refreshes it); only a
  node a checkpoint could follow has one (a system prompt under the minimum has none);
* a visit may also read the node when an earlier visit through the same next block (the
  same child) came less than the model's longest TTL before it, once the node was first
  written: a deeper checkpoint on that shared path could hold an entry covering this prefix.

Why no real run is cheaper: in a run Bedrock accepts, a node's tokens are read at a visit only
if an entry at it or deeper *on that visit's own path* is live. An entry at the node itself was
written at some visit under one TTL and is refreshed only by later visits that read it, each
within that TTL: the first rule. An entry deeper down sits below one of the node's children;
it was created or refreshed by an earlier visit through that same child, which read or wrote
the node (so after its first write), at most the longest TTL before: the second rule. An entry
at the node itself needs a checkpoint right after it, honoured only at or past the minimum. So every
run's per-visit choices are allowed here, at the same prices, and the bound is their minimum.
(An earlier version let any read extend a node by the longest TTL; that let, say, a new
question on a document read it through a 1h entry that only another question's path held.)
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


@dataclass(frozen=True)
class _Visit:
    at: float
    qualifies: bool  # the request may write here (a checkpoint at or after it is allowed)
    index: int  # the request's position in the trace
    #: the prefix hash of the request's next block (None: the request ends here)
    child: bytes | None


@dataclass
class _Node:
    tokens: int
    rates: _Rates
    #: a checkpoint may follow this node's block (so it can hold an entry of its own)
    own: bool = False
    visits: list[_Visit] = field(default_factory=list)


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


def _latest_sibling(visits: list[_Visit], refresh: float) -> list[int]:
    """For each visit, the latest earlier visit through the same next block (its child) within
    ``refresh`` seconds, else -1: where a deeper entry on this visit's own path may sit."""
    last: dict[bytes, int] = {}
    out = [-1] * len(visits)
    for k, visit in enumerate(visits):
        if visit.child is None:
            continue
        j = last.get(visit.child, -1)
        if j >= 0 and visit.at - visits[j].at < refresh:
            out[k] = j
        last[visit.child] = k
    return out


def _own_run_ends(visits: list[_Visit], seconds: float) -> list[int]:
    """After a write at ``w`` under a TTL of ``seconds``, its own entry serves the visits up to
    (excluding) ``ends[w]``: each read refreshes it, so it lives while gaps stay shorter."""
    m = len(visits)
    ends = [m] * (m + 1)
    for j in range(m - 2, -1, -1):
        gap = visits[j + 1].at - visits[j].at
        ends[j] = ends[j + 1] if gap < seconds else j + 1
    return ends


def _solve(node: _Node) -> list[str]:
    """The cheapest action at each visit of one node, under whichever of the two relaxations
    costs more there (both hold in every real run, so the dearer one is the tighter bound)."""
    chain = _solve_chain(node.visits, node.rates)
    paths = _solve_paths(node.visits, node.rates, node.own)
    return chain[1] if chain[0] > paths[0] else paths[1]


def _solve_chain(visits: list[_Visit], rates: _Rates) -> tuple[float, list[str]]:
    """Relaxation 1: every read extends the node by the model's longest TTL."""
    m = len(visits)
    run_end = _own_run_ends(visits, rates.refresh)
    best = [0.0] * (m + 1)
    choice: list[tuple[str, int]] = [(UNCACHED, 1)] * m
    for i in range(m - 1, -1, -1):
        best[i], choice[i] = 1.0 + best[i + 1], (UNCACHED, i + 1)
        if not visits[i].qualifies:
            continue
        for ttl, price in rates.write.items():
            nxt = i + 1
            end = (
                run_end[nxt]
                if nxt < m and visits[nxt].at - visits[i].at < TTL_SECONDS[ttl]
                else nxt
            )
            cost = price + rates.read * (end - nxt) + best[end]
            if cost < best[i]:
                best[i], choice[i] = cost, (WRITE_1H if ttl == "1h" else WRITE_5M, end)
    return best[0], _actions(choice, 0)


def _solve_paths(visits: list[_Visit], rates: _Rates, own: bool) -> tuple[float, list[str]]:
    """Relaxation 2: the node's own entry (``own``: it can have one) lives by its own TTL; a
    deeper entry serves only visits through the same child. ``first`` is the visit of the
    node's first write; for each candidate the rest is solved backwards."""
    m = len(visits)
    if not rates.write or not any(v.qualifies for v in visits):
        return float(m), [UNCACHED] * m
    sibling = _latest_sibling(visits, rates.refresh)
    # without an entry of its own, a write serves no later visit by itself
    no_run = list(range(1, m + 2))
    ends = {t: _own_run_ends(visits, TTL_SECONDS[t]) if own else no_run for t in rates.write}
    best_total, best_actions = float(m), [UNCACHED] * m
    for first in range(m):
        if first >= best_total:  # the uncached visits before it already cost more
            break
        if not visits[first].qualifies:
            continue
        total, actions = _solve_from(first, visits, rates, sibling, ends)
        total += first  # everything before the first write is sent uncached
        if total < best_total:
            best_total, best_actions = total, [UNCACHED] * first + actions
    return best_total, best_actions


def _actions(choice: list[tuple[str, int]], start: int) -> list[str]:
    """The per-visit actions from ``start`` on: each choice, then the reads it leads to."""
    actions: list[str] = []
    i = start
    while i < len(choice):
        action, end = choice[i]
        actions.append(action)
        actions.extend([READ] * (end - i - 1))
        i = end
    return actions


def _solve_from(
    first: int,
    visits: list[_Visit],
    rates: _Rates,
    sibling: list[int],
    ends: dict[str, list[int]],
) -> tuple[float, list[str]]:
    """Cost and actions from visit ``first`` on, given the node is first written there."""
    m = len(visits)
    best = [0.0] * (m + 1)
    choice: list[tuple[str, int]] = [(UNCACHED, 1)] * m
    for i in range(m - 1, first - 1, -1):
        if i > first and sibling[i] >= first:  # a deeper entry on this visit's path serves it
            best[i], choice[i] = rates.read + best[i + 1], (READ, i + 1)
            continue
        best[i], choice[i] = 1.0 + best[i + 1], (UNCACHED, i + 1)
        if i == first:
            best[i] = float("inf")  # the first write happens here by definition
        if not visits[i].qualifies:
            continue
        for ttl, price in rates.write.items():
            end = ends[ttl][i]
            cost = price + rates.read * (end - i - 1) + best[end]
            if cost < best[i]:
                best[i], choice[i] = cost, (WRITE_1H if ttl == "1h" else WRITE_5M, end)
    return best[first], _actions(choice, first)


def _checkpoints(prompt: Prompt, spec: Any) -> list[bool]:
    """Per block, whether a checkpoint could follow it: in a section that takes markers, at or
    past the model minimum, within its cap on cached tokens. A block's tokens are written only
    under a checkpoint at or after it, so nothing past the last of these is ever written."""
    out, through = [False] * len(prompt.blocks), 0
    for position, block in enumerate(prompt.blocks):
        through += block.tokens
        if spec.max_cached_tokens is not None and through > spec.max_cached_tokens:
            break
        out[position] = block.section in spec.sections and through >= spec.min_tokens
    return out


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
        points = _checkpoints(prompt, spec) if qualifies else [False] * len(prompt.blocks)
        last = max((i for i, point in enumerate(points) if point), default=-1)
        hashes = prefix_hashes(prompt)
        for position, (block, chain) in enumerate(zip(prompt.blocks, hashes, strict=True)):
            node = nodes.get((model_id, chain))
            if node is None:
                node = nodes[(model_id, chain)] = _Node(block.tokens, rates)
            node.own = node.own or points[position]
            child = hashes[position + 1] if position + 1 < len(hashes) else None
            writable = position <= last
            node.visits.append(_Visit(call.at, writable, index, child))
    factors = {UNCACHED: 1.0}
    for node in nodes.values():
        rates = node.rates
        prices = {**factors, READ: rates.read}
        prices[WRITE_5M] = rates.write.get("5m", 1.0)
        prices[WRITE_1H] = rates.write.get("1h", 1.0)
        for visit, action in zip(node.visits, _solve(node), strict=True):
            index = visit.index
            dollars = node.tokens * prices[action] * rates.unit
            row = bound.calls[index]
            row[action] += node.tokens
            row["dollars"] += dollars
            bound.tokens[action] += node.tokens
            bound.dollars += dollars
    return bound
