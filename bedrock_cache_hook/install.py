"""install() / uninstall(): where the handlers go.

- ``install()``: process-wide. ``botocore.register_initializer`` reaches every botocore
  session created afterwards (boto3's included); boto3's existing default session is added by
  hand. One process installation object lives for the whole process so that re-installing
  revives the handler copies inside clients that already exist.
- ``install(session)``: a ``boto3.Session`` or ``botocore.session.Session``; clients created
  from it afterwards.
- ``install(client)``: a ``bedrock-runtime`` client, now.

The most specific install wins on a given session or client: it replaces ours there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import weakref
from typing import Any

import botocore
import botocore.session
from botocore.client import BaseClient

from . import env
from ._hooks import SERVICE, Installation
from ._request import RequestProcessor
from .config import Settings
from .export import configure_exporters
from .ledger import get_ledger

__all__ = ["install", "is_installed", "uninstall"]

_lock = threading.RLock()
_process = Installation(Settings())
_initializer = {"registered": False}
_targeted: weakref.WeakKeyDictionary[Any, Installation] = weakref.WeakKeyDictionary()


def _process_initializer(session: botocore.session.Session) -> None:
    _process.attach(session)


def _boto3_default_session() -> Any:
    boto3 = sys.modules.get("boto3")  # never import boto3 ourselves: it is optional
    default = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
    return getattr(default, "_session", None)


def _resolve(target: Any) -> tuple[Any, Any]:
    """(key to remember the install by, emitter to register on)."""
    if isinstance(target, BaseClient):
        service = target.meta.service_model.service_name
        if service != SERVICE:
            raise ValueError(f"install() takes a bedrock-runtime client, got a {service!r} client")
        return target, target.meta.events
    if isinstance(target, botocore.session.Session):
        return target, target
    inner = getattr(target, "_session", None)  # a boto3.Session wraps a botocore session
    if isinstance(inner, botocore.session.Session):
        return inner, inner
    raise TypeError(
        "install() takes None (process-wide), a boto3.Session, a botocore Session or a "
        f"bedrock-runtime client; got {type(target).__name__}"
    )


def _configure_ledger(owner: Installation, settings: Settings | None) -> None:
    """Apply the ledger capacity and (re)attach the exporters an installation asks for."""
    source = owner.settings if settings is None else settings
    ledger = get_ledger() if source.ledger is None else source.ledger
    configure_exporters(owner, settings, ledger)
    if settings is not None and settings.ledger_capacity is not None:
        ledger.set_capacity(settings.ledger_capacity)


def install(target: Any = None, *, mode: str | None = None, **settings: Any) -> None:
    """Turn the hook on for ``target`` (see the module docstring); idempotent, thread-safe.

    Settings not given here come from the ``BEDROCK_CACHE_HOOK*`` variables, then defaults
    (``mode`` defaults to ``"inject"``). Unknown modes, settings or invalid variables raise
    ``ValueError`` naming them. ``mode="off"`` installs
    nothing active: it removes an earlier install of that target, and for a session or client
    also the process-wide handlers there, making it pure pass-through.
    """
    explicit = dict(settings) if mode is None else {**settings, "mode": mode}
    # explicit keywords > BEDROCK_CACHE_HOOK* variables > defaults; a bad variable raises here
    merged = env.resolve(explicit, os.environ)
    config = Settings.build(merged.pop("mode", "inject"), merged)
    if config.mode == "off":
        if config.log_level is not None:
            logging.getLogger("bedrock_cache_hook").setLevel(config.log_level)
        uninstall(target)
        if target is not None:
            # "off" for one session or client also silences the process-wide handlers there.
            with _lock:
                _process.detach(_resolve(target)[1])
        return
    with _lock:
        if target is None:
            _switch_on(_process, config, None)
            return
        key, emitter = _resolve(target)
        installation = _targeted.get(key)
        created = installation is None
        if installation is None:
            installation = Installation(config)
        try:
            _switch_on(installation, config, emitter)
        except BaseException:
            if created:
                with contextlib.suppress(Exception):
                    installation.detach(emitter)
            raise
        _targeted[key] = installation


def _switch_on(installation: Installation, config: Settings, emitter: Any) -> None:
    """Configure and activate ``installation`` (on ``emitter``, or process-wide when None);
    all or nothing: on any error its settings, switch, ledger and exporters are as before."""
    previous_settings, previous_active = installation.settings, installation.active
    ledger = get_ledger() if config.ledger is None else config.ledger
    previous_capacity = ledger.capacity
    try:
        _configure_ledger(installation, config)
        if emitter is None:
            if not _initializer["registered"]:
                botocore.register_initializer(_process_initializer)
                _initializer["registered"] = True
            default = _boto3_default_session()
            if default is not None:
                installation.attach(default)
        else:
            installation.attach(emitter)
        installation.settings = config
        installation.active = True
    except BaseException:
        installation.settings, installation.active = previous_settings, previous_active
        with contextlib.suppress(Exception):
            ledger.set_capacity(previous_capacity)
            _configure_ledger(installation, previous_settings if previous_active else None)
        if emitter is None and not previous_active and _initializer["registered"]:
            botocore.unregister_initializer(_process_initializer)
            _initializer["registered"] = False
        raise
    if config.log_level is not None:
        logging.getLogger("bedrock_cache_hook").setLevel(config.log_level)


def uninstall(target: Any = None) -> None:
    """Undo ``install(target)``; clients created while it was on become pure pass-through."""
    with _lock:
        if target is None:
            if _process.active:
                _configure_ledger(_process, None)
            _process.active = False
            if _initializer["registered"]:
                botocore.unregister_initializer(_process_initializer)
                _initializer["registered"] = False
            return
        key, emitter = _resolve(target)
        installation = _targeted.pop(key, None)
        if installation is not None:
            _configure_ledger(installation, None)
            installation.active = False
            installation.detach(emitter)
            if _process.active:
                # the target's own install had replaced the process-wide handlers there
                _process.attach(emitter)


def is_installed(target: Any = None) -> bool:
    """Without a target: is any installation on? With one: is that target's own install on?"""
    with _lock:
        if target is None:
            return _process.active or any(i.active for i in _targeted.values())
        key, _ = _resolve(target)
        installation = _targeted.get(key)
        return installation is not None and installation.active


def _reset() -> None:
    """Turn every installation off and forget them and what they learnt (test isolation)."""
    with _lock:
        uninstall(None)
        _process.processor = RequestProcessor()
        for installation in list(_targeted.values()):
            _configure_ledger(installation, None)
            installation.active = False
        _targeted.clear()
