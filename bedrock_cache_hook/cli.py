"""The ``bedrock-cache-hook`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._version import __version__
from .bench.command import add_bench_command
from .catalog.command import add_models_command
from .commands.audit import add_audit_command
from .commands.doctor import add_doctor_command
from .commands.report import add_report_command
from .demo.command import add_demo_command
from .sim.command import add_serve_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bedrock-cache-hook",
        description=(
            "Make prompt caching on Amazon Bedrock happen, and prove it: a botocore hook "
            "that places cache markers, audits requests and records every hit and miss."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_bench_command(commands)
    add_demo_command(commands)
    add_audit_command(commands)
    add_report_command(commands)
    add_doctor_command(commands)
    add_models_command(commands)
    add_serve_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
    return 0  # pragma: no cover - every subcommand returns from its own handler


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
