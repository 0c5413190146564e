"""JSON lines: one JSON object per call record, appended to a file.

Each record is written with a single ``os.write`` on a descriptor opened with ``O_APPEND``,
so lines from threads and from forked workers sharing the file never interleave, and log
rotation (the file moved away) simply starts a new file. Records hold counts, ids and
hashes only; findings are reduced to their code, severity and location, never a message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from typing import Any

from ..ledger import CallRecord

__all__ = ["JsonlExporter", "record_to_json"]

logger = logging.getLogger("bedrock_cache_hook")

#: Finding attributes safe to export (a message may quote request data).
_FINDING_FIELDS = ("code", "severity", "location")


def _finding(finding: object) -> dict[str, str]:
    out = {"type": type(finding).__name__}
    for name in _FINDING_FIELDS:
        value = getattr(finding, name, None)
        if isinstance(value, str):
            out[name] = value
    return out


def record_to_json(record: CallRecord) -> str:
    """One line of JSON (without the newline) for ``record``."""
    data: dict[str, Any] = {
        field.name: getattr(record, field.name)
        for field in dataclasses.fields(record)
        if field.name != "findings"
    }
    data["findings"] = [_finding(f) for f in record.findings]
    return json.dumps(data, separators=(",", ":"))


class JsonlExporter:
    """Appends every record it is called with to ``path``; write errors are logged once."""

    def __init__(self, path: str) -> None:
        self.path = os.path.expanduser(path)
        self._lock = threading.Lock()
        self._warned = False

    def __call__(self, record: CallRecord) -> None:
        data = (record_to_json(record) + "\n").encode()
        with self._lock:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    written = os.write(fd, data)
                    while written < len(data):  # short writes only on exotic filesystems
                        written += os.write(fd, data[written:])
                finally:
                    os.close(fd)
            except OSError as exc:
                if not self._warned:
                    self._warned = True
                    logger.warning(
                        "bedrock_cache_hook: cannot append to JSON-lines ledger %s (%s: %s); "
                        "records still go to the in-memory ledger",
                        self.path,
                        type(exc).__name__,
                        exc.strerror,
                    )

    def flush(self) -> None:
        """Nothing buffered: every record is on disk when the call returns."""

    def reset_after_fork(self) -> None:
        self._lock = threading.Lock()
