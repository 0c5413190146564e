"""The ``demo`` subcommand: the main job, runnable anywhere with no AWS account."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..sim.errors import SimError
from ..sim.models import resolve_model
from . import report, scenario
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
    parser.add_argument(
        "--model-id",
        metavar="ID",
        default=scenario.MODEL_ID,
        help=f"model id to run the session on, any id form (default: {scenario.MODEL_ID})",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        resolve_model(args.model_id)
    except SimError as error:
        print(
            f"bedrock-cache-hook demo: the simulator does not serve {args.model_id!r}: "
            f"{error.message}",
            file=sys.stderr,
        )
        return 2
    if args.json:
        report.write_json(run_demo(model_id=args.model_id), sys.stdout)
        return 0
    print("bedrock-cache-hook demo: one agent session, without and with the hook", flush=True)

    def progress(run: str, row: Any, total: int) -> None:
        print(report.progress_line(run, row, total), flush=True)

    report.write_text(run_demo(progress, args.model_id), sys.stdout)
    return 0
