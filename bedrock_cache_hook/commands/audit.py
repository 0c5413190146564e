"""``bedrock-cache-hook audit FILE|-``: will this request cache? Nothing is sent.

The input is the keyword arguments of one boto3 call as JSON (an InvokeModel ``body`` may be
a JSON string or an object). Exit status: 0 (printed), 1 with ``--strict`` when the request
will not cache (an error-severity finding), 2 on input that cannot be read (one line on
standard error, never a traceback).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from .._request import audit
from ..findings import AuditReport
from .common import InputError, fail, print_json, read_text

__all__ = ["add_audit_command"]

OPERATIONS = {
    "converse": "Converse",
    "converse-stream": "ConverseStream",
    "invoke-model": "InvokeModel",
    "invoke-model-with-response-stream": "InvokeModelWithResponseStream",
}


def add_audit_command(commands: Any) -> None:
    parser = commands.add_parser(
        "audit",
        help="check one request's caching (boto3 kwargs as JSON) without sending it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE|-", help="JSON file of boto3 kwargs, - for stdin")
    parser.add_argument(
        "--operation",
        choices=sorted(OPERATIONS),
        help="the client method (default: invoke-model when the kwargs have a body, else converse)",
    )
    parser.add_argument("--model-id", help="the model id (overrides the kwargs' modelId)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when it will not cache")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    try:
        params = json.loads(read_text(args.file))
    except ValueError as exc:
        raise InputError(f"{args.file} is not JSON ({exc})") from None
    if not isinstance(params, dict):
        raise InputError(f"{args.file}: expected a JSON object of boto3 keyword arguments")
    if args.model_id:
        params["modelId"] = args.model_id
    if not isinstance(params.get("modelId"), str):
        raise InputError("no modelId: give it in the kwargs or with --model-id")
    return params


def _to_json(report: AuditReport) -> dict[str, Any]:
    return {
        "model_id": report.model_id,
        "will_cache": report.will_cache,
        "markers": [
            {
                "location": m.location,
                "ttl": m.ttl,
                "prefix_tokens": m.prefix_tokens,
                "reaches_minimum": m.reaches_minimum,
            }
            for m in report.markers
        ],
        "findings": [
            {"code": f.code, "severity": f.severity, "location": f.location, "message": f.message}
            for f in report.findings
        ],
    }


def _print(report: AuditReport) -> None:
    verdict = "will cache" if report.will_cache else "will NOT cache"
    print(f"{report.model_id}: {verdict}")
    for marker in report.markers:
        print(
            f"  marker  {marker.location:<32} ttl {marker.ttl or '5m':<3} "
            f"~{marker.prefix_tokens:,} prefix tokens"
        )
    for item in report.findings:
        where = f" at {item.location}" if item.location else ""
        print(f"  {item.severity:<7} {item.code}{where}: {item.message}")
        if item.fix:
            print(f"          fix: {item.fix}")


def run(args: argparse.Namespace) -> int:
    try:
        params = _params(args)
        operation = args.operation or ("invoke-model" if "body" in params else "converse")
        body = params.get("body")
        if operation.startswith("invoke") and not isinstance(body, str | Mapping):
            raise InputError("an invoke-model request needs a body (a JSON string or object)")
        report = audit(OPERATIONS[operation], params)
    except (InputError, ValueError) as exc:
        return fail("audit", exc)
    if args.json:
        print_json(_to_json(report))
    else:
        _print(report)
    return 1 if args.strict and not report.will_cache else 0
