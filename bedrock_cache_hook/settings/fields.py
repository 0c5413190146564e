"""Settings: one frozen object per installation, validated when it is built.

Raise at configuration time, warn at request time: a bad setting is a ``ConfigError``
(a ``ValueError``) naming it; an odd request later is only ever a finding.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ..catalog import validate_overrides
from ..errors import ConfigError
from ..export.emf import namespace_problem
from ..ledger import Ledger

__all__ = ["MAX_COUNT", "MODES", "Mode", "Settings"]

Mode = Literal["inject", "audit", "strict", "off"]
MODES: tuple[str, ...] = get_args(Mode)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TtlPolicy = Literal["5m", "1h", "auto"]
TTL_POLICIES: tuple[str, ...] = get_args(TtlPolicy)
TailPolicy = Literal["adaptive", "always", "never"]
TAIL_POLICIES: tuple[str, ...] = get_args(TailPolicy)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"invalid {name} {value!r}: expected one of {', '.join(choices)}")


def _check_str_mapping(name: str, value: object) -> None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"{name} must map strings to strings, got {value!r}")


def _check_nested_mapping(name: str, value: object) -> None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, Mapping) for k, v in value.items()
    ):
        raise ConfigError(f"{name} must map model ids to mappings of fields, got {value!r}")


#: the largest count setting Python can hold in a bounded container (``sys.maxsize``)
MAX_COUNT = sys.maxsize


def _check_positive_int(name: str, value: object, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        shown = value if not isinstance(value, int) or value.bit_length() < 128 else "a huge int"
        raise ConfigError(
            f"{name} must be a positive integer no larger than {MAX_COUNT}, got {shown!r}"
        )


def _check_optional_str(name: str, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{name} must be a non-empty string, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """What one installation does. Every field is an ``install()`` keyword.

    mode: ``inject`` adds cache markers, ``audit`` only reports, ``strict`` refuses broken
        requests with ``CacheAuditError``, ``off`` does nothing.
    ttl: ``auto`` (default: every marker gets 1h or 5m by expected cost, from the gaps seen
        on its prefix), ``5m``, or ``1h`` (stable anchors, where the model and botocore allow).
    tail_policy: ``adaptive`` marks the conversation tail only where the prefix is learnt to
        be continued; ``always`` / ``never`` force it.
    model_aliases: opaque model id or ARN -> model id the catalog knows.
    model_overrides: model id -> ModelSpec fields to override (e.g. ``min_tokens``).
    price_overrides: model id -> price fields (USD per 1M tokens) to override.
    ledger: where records go; ``None`` means the process ledger (``get_ledger()``).
    ledger_capacity: how many records the ledger keeps (totals never drop).
    emf: print CloudWatch Embedded Metric Format lines to stdout.
    emf_namespace / service_name: EMF namespace and the ``ServiceName`` dimension.
    emf_every: outside Lambda, flush an EMF line every N calls (and at exit).
    jsonl_path: append one JSON line per record to this file.
    log_level: level for the ``bedrock_cache_hook`` logger (e.g. ``"INFO"``).
    clock: time source for what the planner learns (defaults to ``time.time``).
    diagnosis_capacity / diagnosis_max_age: how many fingerprints, marked prefixes and
        workloads the miss diagnosis keeps (each table), and for how many seconds.
    """

    mode: Mode = "inject"
    ttl: TtlPolicy = "auto"
    tail_policy: TailPolicy = "adaptive"
    model_aliases: Mapping[str, str] = field(default_factory=dict)
    model_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    price_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ledger: Ledger | None = field(default=None, compare=False)
    ledger_capacity: int | None = None
    emf: bool = False
    emf_namespace: str = "BedrockCacheHook"
    emf_every: int = 100
    service_name: str | None = None
    jsonl_path: str | None = None
    log_level: str | None = None
    #: seconds since the epoch, for what the planner learns about gaps and TTLs; the
    #: simulator's virtual clock in demos and tests (``time.time`` when None)
    clock: Callable[[], float] | None = field(default=None, compare=False)
    diagnosis_capacity: int = 10_000
    diagnosis_max_age: int = 3 * 3600

    def __post_init__(self) -> None:
        _check_choice("mode", self.mode, MODES)
        _check_choice("ttl", self.ttl, TTL_POLICIES)
        _check_choice("tail_policy", self.tail_policy, TAIL_POLICIES)
        _check_str_mapping("model_aliases", self.model_aliases)
        _check_nested_mapping("model_overrides", self.model_overrides)
        _check_nested_mapping("price_overrides", self.price_overrides)
        _check_positive_int("ledger_capacity", self.ledger_capacity, optional=True)
        _check_positive_int("emf_every", self.emf_every)
        _check_positive_int("diagnosis_capacity", self.diagnosis_capacity)
        _check_positive_int("diagnosis_max_age", self.diagnosis_max_age)
        if not isinstance(self.emf, bool):
            raise ConfigError(f"emf must be True or False, got {self.emf!r}")
        if not isinstance(self.emf_namespace, str):
            raise ConfigError(f"emf_namespace must be a string, got {self.emf_namespace!r}")
        problem = namespace_problem(self.emf_namespace)
        if problem is not None:
            raise ConfigError(f"invalid emf_namespace {self.emf_namespace!r}: {problem}")
        for name in ("service_name", "jsonl_path", "log_level"):
            _check_optional_str(name, getattr(self, name))
        if self.log_level is not None:
            _check_choice("log_level", self.log_level, LOG_LEVELS)
        if self.ledger is not None and not isinstance(self.ledger, Ledger):
            raise ConfigError(f"ledger must be a bedrock_cache_hook.Ledger, got {self.ledger!r}")
        if self.clock is not None and not callable(self.clock):
            raise ConfigError(f"clock must be a callable returning seconds, got {self.clock!r}")
        try:
            validate_overrides(self.model_overrides, self.price_overrides)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def build(cls, mode: str, settings: Mapping[str, Any]) -> Settings:
        """Validate ``install()`` keyword arguments; unknown names raise ``ConfigError``."""
        known = cls.names()
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(
                f"unknown setting {unknown[0]!r} for install(); known settings: "
                + ", ".join(n for n in known if n != "mode")
            )
        return cls(mode=mode, **settings)  # type: ignore[arg-type]
