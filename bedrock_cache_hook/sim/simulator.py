"""The public face of the simulator: :class:`Simulator`.

One simulator is one simulated Bedrock Runtime (all regions, one account): one cache, one
clock, one fault queue, one call log, shared by every client attached to it and by every
loopback server it runs. Both transports answer from the same engine with the same bytes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.loaders
import botocore.session

from . import transport
from .engine import CallLog, Engine
from .faults import FaultKind
from .latency import LatencyModel
from .models import SimModel
from .server import SimServer

__all__ = ["SimStats", "Simulator"]

#: credentials the simulator's clients sign with (never real ones)
DUMMY_KEY_ID = "SIMULATOR"
DUMMY_SECRET = "simulator-secret"


@dataclass(frozen=True)
class SimStats:
    """Totals over the call log: counts only."""

    calls: int
    errors: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int
    live_entries: int


_LOADER: list[Any] = []


def _new_client(kwargs: dict[str, Any]) -> Any:
    """A client from a fresh session (so ``register_initializer`` hooks apply to it), whose
    service models come from one shared loader (loading them is most of a client's cost)."""
    if not _LOADER:
        _LOADER.append(botocore.loaders.create_loader())
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER[0])
    try:
        boto3 = importlib.import_module("boto3")
    except ImportError:  # pragma: no cover - boto3 is optional
        return session.create_client("bedrock-runtime", **kwargs)
    return boto3.session.Session(botocore_session=session).client("bedrock-runtime", **kwargs)


class Simulator:
    """A local Bedrock Runtime with Bedrock's prompt-caching semantics.

    ``clock``: a ``() -> seconds`` function (default: a virtual clock frozen at
    :data:`~.engine.EPOCH` that only :meth:`advance` moves). ``region``: the region of unsigned
    requests and the default for :meth:`client`. ``models``: overrides of the model table,
    keyed by exact model id or ARN, valued by a :class:`SimModel` or the id of the model to
    alias to. ``latency``: the latency model. ``time_scale``: 0 (default) never sleeps; 1.0
    sleeps the modelled latencies for real (0.1 = ten times faster). ``verify_signatures``:
    check every SigV4 signature as Bedrock does (:mod:`.signing`; off by default, so clients
    signing with any dummy key keep working), against ``credentials`` (access key id ->
    secret; default: the simulator's own dummy pair, :data:`DUMMY_KEY_ID` /
    :data:`DUMMY_SECRET`). Unsigned and bearer-token requests are always accepted.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        region: str = "us-east-1",
        models: Mapping[str, SimModel | str] | None = None,
        latency: LatencyModel | None = None,
        time_scale: float = 0.0,
        verify_signatures: bool = False,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must not be negative")
        known = {DUMMY_KEY_ID: DUMMY_SECRET} if credentials is None else dict(credentials)
        self.engine = Engine(
            clock=clock,
            region=region,
            models=models,
            latency=latency,
            time_scale=time_scale,
            verify_signatures=verify_signatures,
            credentials=known,
        )

    @property
    def region(self) -> str:
        return self.engine.region

    @property
    def now(self) -> float:
        """The simulated service's time (seconds since the Unix epoch)."""
        return self.engine.now()

    def advance(self, seconds: float) -> None:
        """Move the clock forward: cache entries expire as if ``seconds`` had passed."""
        self.engine.advance(seconds)

    def client(self, **boto3_kwargs: Any) -> Any:
        """A real ``bedrock-runtime`` client answered in-process by this simulator.

        Keyword arguments go to ``boto3.client`` (botocore's ``create_client`` when boto3 is
        not installed); ``region_name`` defaults to the simulator's region and the credentials
        to dummy ones, so nothing real is ever read or sent.
        """
        kwargs = dict(boto3_kwargs)
        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("aws_access_key_id", DUMMY_KEY_ID)
        kwargs.setdefault("aws_secret_access_key", DUMMY_SECRET)
        return self.attach(_new_client(kwargs))

    def attach(self, client: Any) -> Any:
        """Answer an existing ``bedrock-runtime`` client from this simulator; returns it."""
        return transport.attach(self.engine, client)

    def detach(self, client: Any) -> None:
        """Stop answering ``client`` (its requests go to its endpoint again)."""
        transport.detach(self.engine, client)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SimServer:
        """Start a loopback HTTP server (port 0: any free port); see :class:`SimServer`."""
        return SimServer(self.engine, host, port)

    def fail_next(self, kind: FaultKind, times: int = 1) -> None:
        """Queue a fault: ``throttle``, ``server_error``, ``unavailable`` (the next requests),
        ``stream_cut``, ``stream_error`` (the next streaming requests)."""
        self.engine.fail_next(kind, times)

    def calls(self) -> list[CallLog]:
        """Every request answered so far (bounded), oldest first: counts only."""
        return self.engine.calls()

    def last_call(self) -> CallLog:
        calls = self.engine.calls()
        if not calls:
            raise LookupError("the simulator has not answered any request yet")
        return calls[-1]

    def stats(self) -> SimStats:
        calls = self.engine.calls()
        return SimStats(
            calls=len(calls),
            errors=sum(1 for c in calls if c.status >= 300),
            input_tokens=sum(c.input_tokens for c in calls),
            cache_read_tokens=sum(c.cache_read_tokens for c in calls),
            cache_write_tokens=sum(c.cache_write_tokens for c in calls),
            output_tokens=sum(c.output_tokens for c in calls),
            live_entries=self.engine.store.live_entries(self.engine.now()),
        )

    def reset(self) -> None:
        """Forget every cache entry and the call log (the clock and the fault queue stay)."""
        self.engine.store.clear()
        self.engine.clear_log()
