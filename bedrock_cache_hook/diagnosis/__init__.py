"""Why did it miss: fingerprints, what they are compared with, and the reason for each call."""

from .fingerprint import Fingerprint, fingerprint
from .memory import Churn, DiagnosisMemory, Ticket
from .reasons import MISS_REASONS, Diagnosis, MissReason, diagnose

__all__ = [
    "MISS_REASONS",
    "Churn",
    "Diagnosis",
    "DiagnosisMemory",
    "Fingerprint",
    "MissReason",
    "Ticket",
    "diagnose",
    "fingerprint",
]
