"""Distribution metadata: the licence file ships, the project URLs are declared.

Building the wheel and smoke-testing it in a fresh virtualenv is ``scripts/check_dist.sh``
(run by ``.ci/run``): it needs the build backend from the package registry.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def test_license_file_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_pyproject_declares_license_file_urls_and_extras() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(project["urls"])
    extras = project["optional-dependencies"]
    assert {"aio", "otel", "powertools"} <= set(extras)
    # The runtime dependency stays botocore alone.
    assert [d.split(">")[0] for d in project["dependencies"]] == ["botocore"]
    sdist = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["sdist"]["include"]
    assert "LICENSE" in sdist


def test_installed_metadata_carries_license_and_urls() -> None:
    meta = metadata.metadata("bedrock-cache-hook")
    urls = meta.get_all("Project-URL") or []
    if not urls:
        pytest.skip("installed metadata predates the project URLs: reinstall with pip install -e .")
    assert any(u.startswith("Source, ") for u in urls)
    assert meta.get("License-Expression") == "Apache-2.0"
