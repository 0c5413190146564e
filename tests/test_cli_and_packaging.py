from __future__ import annotations

import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest

import bedrock_cache_hook
from bedrock_cache_hook.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"bedrock-cache-hook {bedrock_cache_hook.__version__}"


def test_help_lists_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "usage: bedrock-cache-hook" in capsys.readouterr().out


def test_console_script_is_installed() -> None:
    [script] = [
        ep
        for ep in metadata.entry_points(group="console_scripts")
        if ep.name == "bedrock-cache-hook"
    ]
    assert script.value == "bedrock_cache_hook.cli:main"
    out = subprocess.run(
        [sys.executable, "-m", "bedrock_cache_hook", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("bedrock-cache-hook ")


def test_distribution_metadata() -> None:
    dist = metadata.distribution("bedrock-cache-hook")
    requires = dist.requires or []
    runtime = [r for r in requires if "extra ==" not in r]
    assert runtime == ["botocore>=1.37.24"]
    assert dist.metadata["Requires-Python"] == ">=3.10"
    assert resources.files("bedrock_cache_hook").joinpath("py.typed").is_file()


def test_public_names_exist() -> None:
    names = bedrock_cache_hook.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(bedrock_cache_hook, name), name
