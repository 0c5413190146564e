"""What the subcommands share: reading input without tracebacks, printing JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["InputError", "fail", "print_json", "read_text"]


class InputError(Exception):
    """Input the command cannot use: reported on one line, exit status 2."""


def read_text(path: str) -> str:
    """The whole of ``path`` (``-``: standard input) as text."""
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {type(exc).__name__}: {exc.args[-1]}") from None


def fail(command: str, error: Exception) -> int:
    print(f"bedrock-cache-hook {command}: {error}", file=sys.stderr)
    return 2


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
