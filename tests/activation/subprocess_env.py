"""Clean environments for child interpreters: dummy credentials, no AWS config, no IMDS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TIMEOUT = 60


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    missing = str(tmp_path / "no-aws-config")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": missing,
        "AWS_SHARED_CREDENTIALS_FILE": missing,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child interpreter from the home directory of ``env`` (never the
    checkout, whose package would shadow anything put on PYTHONPATH)."""
    return subprocess.run(
        [sys.executable, *args, "-c", code],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
