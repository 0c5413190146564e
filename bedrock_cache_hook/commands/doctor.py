"""``bedrock-cache-hook doctor``: is everything in place for caching in this environment?

Prints the versions, what this botocore knows of Bedrock caching (``cachePoint`` on Converse,
its ``ttl``), the settings the environment resolves to and where each value comes from (a
``BEDROCK_CACHE_HOOK_*`` variable or the default), whether the start-up hook is installed and
armed, and the catalog entry for ``--model-id``. Exit status 2 when a variable is invalid.
Reads no credentials and sends nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import os
import platform
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.session

from .._version import __version__
from ..catalog.table import row
from ..config import Settings
from ..dialects.converse import features
from ..env import ENV_SETTINGS, MODE, settings_from_env
from ..errors import ConfigError
from .common import fail, print_json

__all__ = ["add_doctor_command", "diagnose_environment"]

_BOOT = "bedrock_cache_hook_boot.pth"


def add_doctor_command(commands: Any) -> None:
    parser = commands.add_parser(
        "doctor",
        help="versions, botocore features, resolved settings and the start-up hook",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-id", help="also show the catalog entry for this model id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _boot_file() -> str | None:
    for entry in sys.path:
        candidate = Path(entry or ".") / _BOOT
        if candidate.is_file():
            return str(candidate)
    return None


def _settings(environ: dict[str, str]) -> list[dict[str, Any]]:
    found = settings_from_env(environ)
    defaults = Settings()
    variables = {row.setting: row.variable for row in ENV_SETTINGS}
    out = []
    for field in dataclasses.fields(Settings):
        if field.name in ("ledger", "clock"):
            continue
        from_env = field.name in found
        value = found[field.name] if from_env else getattr(defaults, field.name)
        out.append(
            {
                "setting": field.name,
                "value": value
                if isinstance(value, str | int | float | bool | None)
                else repr(value),
                "source": f"variable {variables[field.name]}" if from_env else "default",
            }
        )
    return out


def diagnose_environment(model_id: str | None = None) -> dict[str, Any]:
    """Everything ``doctor`` prints, as data. Raises ``ConfigError`` for an invalid variable."""
    environ = dict(os.environ)
    operation = botocore.session.get_session().get_service_model("bedrock-runtime")
    cache_point, ttl = features(operation.operation_model("Converse"))
    boot = _boot_file()
    mode = environ.get(MODE, "").strip()
    return {
        "versions": {
            "bedrock-cache-hook": __version__,
            "botocore": botocore.__version__,
            "boto3": _version("boto3"),
            "python": platform.python_version(),
        },
        "botocore": {"converse_cache_point": cache_point, "converse_cache_point_ttl": ttl},
        "startup_hook": {
            "installed": boot is not None,
            "path": boot,
            "armed": bool(mode) and mode.lower() != "off",
            "variable": f"{MODE}={mode}" if mode else f"{MODE} is not set",
        },
        "settings": _settings(environ),
        "model": row(model_id) if model_id else None,
    }


def _print(report: dict[str, Any]) -> None:
    print("versions")
    for name, version in report["versions"].items():
        print(f"  {name:<20} {version or 'not installed'}")
    features_ = report["botocore"]
    known = "yes" if features_["converse_cache_point"] else "NO (upgrade botocore)"
    ttl = "yes" if features_["converse_cache_point_ttl"] else "no (1h TTLs off)"
    print("botocore")
    print(f"  Converse cachePoint  {known}")
    print(f"  cachePoint ttl       {ttl}")
    boot = report["startup_hook"]
    print("start-up hook")
    print(f"  .pth file            {boot['path'] or 'not found (install the wheel, not a copy)'}")
    print(f"  armed                {'yes' if boot['armed'] else 'no'} ({boot['variable']})")
    print("settings")
    for item in report["settings"]:
        print(f"  {item['setting']:<20} {item['value']!s:<24} {item['source']}")
    model = report["model"]
    if model is not None:
        print("model")
        for key, value in model.items():
            print(f"  {key:<20} {value}")


def run(args: argparse.Namespace) -> int:
    try:
        report = diagnose_environment(args.model_id)
    except ConfigError as exc:
        return fail("doctor", exc)
    if args.json:
        print_json(report)
    else:
        _print(report)
    return 0
