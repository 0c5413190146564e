"""``bedrock-cache-hook models``: the catalog as a table, or the rules one model id gets."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import table

__all__ = ["add_models_command"]


def add_models_command(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "models",
        help="show the model catalog: minimums, TTLs, sections, lookback, prices, sources",
        description=(
            "Show every Claude and Nova model the catalog lists, or (--model-id) the rules a "
            "given model id resolves to, listed or inferred. Prices are USD per 1M tokens on "
            "the global endpoint."
        ),
    )
    parser.add_argument("--model-id", metavar="ID", help="resolve this model id (any form)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.model_id is not None:
        found = table.row(args.model_id)
        if found is None:
            print(
                f"bedrock-cache-hook: {args.model_id!r} resolves to no caching rules "
                "(unknown provider, opaque id or a model that cannot cache)",
                file=sys.stderr,
            )
            return 1
        items = [found]
    else:
        items = table.rows()
    if args.json:
        json.dump(items if args.model_id is None else items[0], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(table.text(items))
    return 0
