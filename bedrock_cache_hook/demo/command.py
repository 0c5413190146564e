"""The ``demo`` subcommand: the main job, runnable anywhere with no AWS account."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import report
from .runner import run_demo


def add_demo_command(commands: Any) -> None:
    parser = commands.add_parser(
        "demo",
        help="run an agent session against the built-in simulator, without and with the hook",
        description=(
            "Run a realistic tool-using agent session through a real boto3 client against the "
            "embedded Bedrock simulator, once without and once with the hook, and show what "
            "caching saved. No credentials, no network."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON only")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.json:
        report.write_json(run_demo(), sys.stdout)
        return 0
    print("bedrock-cache-hook demo: one agent session, without and with the hook", flush=True)

    def progress(run: str, row: Any, total: int) -> None:
        print(report.progress_line(run, row, total), flush=True)

    report.write_text(run_demo(progress), sys.stdout)
    return 0
