"""``bedrock-cache-hook serve``: run the simulator on a loopback port until interrupted.

Prints the server's URL as the first line of standard output (scripts can read it), then how
to point a client at it on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from typing import Any

from .simulator import Simulator

__all__ = ["add_serve_command", "run_serve"]


def add_serve_command(commands: Any) -> None:
    """Add the ``serve`` subcommand to the CLI's subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        help="run the local Bedrock Runtime simulator on a loopback port",
        description=(
            "Serve a simulated Bedrock Runtime (Converse, ConverseStream, InvokeModel, "
            "InvokeModelWithResponseStream) with Bedrock's prompt-caching semantics. "
            "Point a client at it with endpoint_url= or AWS_ENDPOINT_URL_BEDROCK_RUNTIME."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--region", default="us-east-1", help="region of unsigned requests")
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until interrupted (or until ``stop`` is set); returns the exit status."""
    with Simulator(region=args.region).serve(host=args.host, port=args.port) as server:
        print(server.url, flush=True)
        print(
            f"export AWS_ENDPOINT_URL_BEDROCK_RUNTIME={server.url}  # Ctrl-C stops the simulator",
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            (stop or threading.Event()).wait()
    return 0
