"""Exporters: where ledger records go besides the ledger (EMF, JSON lines, OpenTelemetry)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings
    from ..ledger import Ledger


def configure_exporters(owner: object, settings: Settings | None, ledger: Ledger) -> None:
    """Attach the exporters ``settings`` asks for to ``ledger`` on behalf of ``owner``.

    ``settings=None`` detaches whatever ``owner`` attached earlier. Called by ``install()``
    and ``uninstall()`` under their lock; idempotent per owner.
    """
