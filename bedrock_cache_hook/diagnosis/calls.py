"""The diagnosis of one finished call: close its ticket, then name the reason."""

from __future__ import annotations

from ..response.usage import Usage
from .memory import DiagnosisMemory, Ticket
from .reasons import Diagnosis, diagnose

__all__ = ["diagnose_call"]

NO_DIAGNOSIS = Diagnosis()


def diagnose_call(
    memory: DiagnosisMemory,
    ticket: Ticket | None,
    usage: Usage,
    status: str,
    *,
    markers: int,
    healed: bool,
    rejected: bool,
) -> Diagnosis:
    """``healed`` / ``marker_rejected`` for refused markers; else, for a request the diagnosis
    saw, the reason from what its memory held when it was sent (none for other errors)."""
    if ticket is None:
        return Diagnosis("healed") if healed else NO_DIAGNOSIS
    memory.finish(
        ticket,
        succeeded=status != "error",
        read=usage.cache_read_tokens,
        written=usage.cache_write_tokens,
        total=usage.total_input_tokens,
    )
    if status == "error" and not healed:
        return Diagnosis("marker_rejected") if rejected else NO_DIAGNOSIS
    return diagnose(
        ticket,
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        markers=markers,
        hit=status == "hit",
        healed=healed,
    )
