"""Settings: one frozen object per installation, validated when it is built.

Raise at configuration time, warn at request time: a bad setting is a ``ConfigError``
(a ``ValueError``) naming it; an odd request later is only ever a finding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from .errors import ConfigError

if TYPE_CHECKING:
    from .ledger import Ledger

__all__ = ["MODES", "Mode", "Settings"]

Mode = Literal["inject", "audit", "strict", "off"]
MODES: tuple[str, ...] = get_args(Mode)


@dataclass(frozen=True)
class Settings:
    """What one installation does.

    mode: ``inject`` adds cache markers, ``audit`` only reports, ``strict`` refuses broken
        requests with ``CacheAuditError``, ``off`` does nothing.
    ledger: where records go; ``None`` means the process ledger (``get_ledger()``).
    ledger_capacity: how many records the process ledger keeps (totals never drop).
    """

    mode: Mode = "inject"
    ledger: Ledger | None = field(default=None, compare=False)
    ledger_capacity: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"unknown mode {self.mode!r}: expected one of {', '.join(MODES)}")
        cap = self.ledger_capacity
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ConfigError(f"ledger_capacity must be a positive integer, got {cap!r}")

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
