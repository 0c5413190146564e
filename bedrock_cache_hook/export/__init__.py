"""Exporters: where ledger records go besides the ledger (EMF, JSON lines).

An exporter is a ledger listener with ``flush()`` and ``reset_after_fork()``. Exporters
export a *ledger*: installations that ask for the same exporter (same kind, same
configuration) on the same ledger share one subscription, so a record is never counted
twice because two installations write to the process ledger.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .emf import EmfExporter, namespace_problem
from .jsonl import JsonlExporter

if TYPE_CHECKING:
    from ..ledger import CallRecord, Ledger
    from ..settings.fields import Settings

__all__ = ["Exporter", "configure_exporters", "flush"]

logger = logging.getLogger("bedrock_cache_hook")

#: EMF ``ServiceName`` when no ``service_name`` is set outside Lambda.
UNKNOWN_SERVICE = "unknown"


class Exporter(Protocol):
    def __call__(self, record: CallRecord) -> None: ...
    def flush(self) -> None: ...
    def reset_after_fork(self) -> None: ...


#: (id(ledger), kind, configuration...): identifies one shared subscription
Key = tuple[Hashable, ...]


@dataclass
class _Subscription:
    ledger: Ledger  # held so that id(ledger) in the key stays unique
    exporter: Exporter
    unsubscribe: Callable[[], None]
    owners: set[int] = field(default_factory=set)


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.subscriptions: dict[Key, _Subscription] = {}
        self.owned: dict[int, set[Key]] = {}
        # Owners collected by the GC, processed under the lock on the next call (a GC
        # finalizer may run while this very thread holds the lock).
        self.collected: list[int] = []
        self.exit_flush_registered = False


_state = _State()


def _wanted(settings: Settings, ledger: Ledger) -> dict[Key, Callable[[], Exporter]]:
    wanted: dict[Key, Callable[[], Exporter]] = {}
    if settings.emf:
        problem = namespace_problem(settings.emf_namespace)
        if problem:
            logger.error(
                "bedrock_cache_hook: EMF is off: emf_namespace %r is invalid (%s)",
                settings.emf_namespace,
                problem,
            )
        else:
            service = (
                settings.service_name
                or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
                or UNKNOWN_SERVICE
            )
            namespace, every = settings.emf_namespace, settings.emf_every
            wanted[(id(ledger), "emf", namespace, service, every)] = lambda: EmfExporter(
                namespace, service, every
            )
    if settings.jsonl_path:
        path = settings.jsonl_path
        wanted[(id(ledger), "jsonl", path)] = lambda: JsonlExporter(path)
    return wanted


def _release(key: Key, owner_id: int) -> None:
    subscription = _state.subscriptions.get(key)
    if subscription is None:
        return
    subscription.owners.discard(owner_id)
    if not subscription.owners:
        subscription.unsubscribe()
        del _state.subscriptions[key]
        subscription.exporter.flush()  # what it summed so far is not lost


def _forget_collected() -> None:
    while _state.collected:
        owner_id = _state.collected.pop()
        for key in _state.owned.pop(owner_id, set()):
            _release(key, owner_id)


def _watch_owner(owner: object, owner_id: int) -> None:
    # An owner that is not weak-referenceable lives as long as whoever configured it.
    with contextlib.suppress(TypeError):
        weakref.finalize(owner, _state.collected.append, owner_id)


def configure_exporters(owner: object, settings: Settings | None, ledger: Ledger) -> None:
    """Attach the exporters ``settings`` asks for to ``ledger`` on behalf of ``owner``.

    ``settings=None`` detaches whatever ``owner`` attached earlier. Called by ``install()``
    and ``uninstall()`` under their lock; idempotent per owner: unchanged exporters keep
    their subscription (and their unflushed sums).
    """
    with _state.lock:
        _forget_collected()
        owner_id = id(owner)
        wanted = {} if settings is None else _wanted(settings, ledger)
        current = _state.owned.get(owner_id, set())
        for key in current - wanted.keys():
            _release(key, owner_id)
        for key, make in wanted.items():
            subscription = _state.subscriptions.get(key)
            if subscription is None:
                exporter = make()
                subscription = _Subscription(ledger, exporter, ledger.subscribe(exporter))
                _state.subscriptions[key] = subscription
            subscription.owners.add(owner_id)
        if wanted:
            if owner_id not in _state.owned:
                _watch_owner(owner, owner_id)
            _state.owned[owner_id] = set(wanted)
        else:
            _state.owned.pop(owner_id, None)
        if any(key[1] == "emf" for key in wanted) and not _state.exit_flush_registered:
            atexit.register(_flush_at_exit)
            _state.exit_flush_registered = True


def flush() -> None:
    """Flush every attached exporter now (the Lambda wrapper calls this per invocation)."""
    with _state.lock:
        exporters = [s.exporter for s in _state.subscriptions.values()]
    for exporter in exporters:
        exporter.flush()


def _flush_at_exit() -> None:
    with contextlib.suppress(OSError, ValueError):  # stdout may be closed by now
        flush()


def _reset() -> None:
    """Detach every exporter without flushing (test isolation)."""
    with _state.lock:
        for subscription in _state.subscriptions.values():
            subscription.unsubscribe()
        _state.subscriptions.clear()
        _state.owned.clear()
        _state.collected.clear()


def _after_fork_in_child() -> None:
    # The parent reports what it summed before the fork; a child starts from zero.
    _state.lock = threading.RLock()
    for subscription in _state.subscriptions.values():
        subscription.exporter.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
