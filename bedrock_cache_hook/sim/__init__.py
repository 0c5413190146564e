"""A local Bedrock Runtime with real caching semantics (no AWS account needed).

``Simulator().client()`` gives a real boto3 ``bedrock-runtime`` client answered in-process;
``Simulator().serve()`` runs the same service on a loopback port for any client
(``endpoint_url=`` or ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``). ``sim.advance(seconds)`` moves the
virtual clock; ``sim.fail_next(...)`` injects faults; ``sim.calls()`` / ``sim.stats()`` show
what the service saw, in counts only. The rules are documented where they live:
:mod:`.tokenizer` (token counts), :mod:`.models` (model table), :mod:`.requests`,
:mod:`.converse_wire`, :mod:`.invoke_wire` (prefix, markers, rejections), :mod:`.cache` (the
accounting rule), :mod:`.latency`, :mod:`.faults`, :mod:`.engine` (routing, clock, call log),
:mod:`.responses` and :mod:`.native` (bytes on the wire), :mod:`.errors` (error texts),
:mod:`.transport` and :mod:`.server` (the two transports).
"""

from __future__ import annotations

from .engine import EPOCH, CallLog
from .latency import LatencyModel
from .models import SimModel
from .server import SimServer
from .simulator import SimStats, Simulator

__all__ = ["EPOCH", "CallLog", "LatencyModel", "SimModel", "SimServer", "SimStats", "Simulator"]
