#!/usr/bin/env python3
"""What the start-up hook costs every Python process: `python -c pass`, with and without it.

Builds two bare virtualenvs from this interpreter, identical except that one has the
package's `.pth` file and boot module in its site-packages, and times interleaved runs of
`python -c pass` in each (median of --runs, default 30). Also times the armed case
(BEDROCK_CACHE_HOOK set: the boot module loads and waits for botocore), times what `site`
does with the .pth in process (free of process-start noise), and checks, in the current
environment, that botocore is not imported at start-up either way.

    python scripts/bench_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import site
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOT_FILES = ("bedrock_cache_hook_boot.pth", "_bedrock_cache_hook_boot.py")


def site_packages(env_dir: Path) -> Path:
    [path] = env_dir.glob("lib/python*/site-packages")
    return path


def make_env(env_dir: Path, with_hook: bool) -> Path:
    venv.create(env_dir, with_pip=False, clear=True)
    if with_hook:
        for name in BOOT_FILES:
            shutil.copy(ROOT / "boot" / name, site_packages(env_dir) / name)
        # pip compiles modules when it installs a wheel; do the same (no compile per start).
        compileall.compile_dir(site_packages(env_dir), quiet=1)
    return env_dir / "bin" / "python"


def clean_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_CACHE_HOOK")}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def time_once(python: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(python), "-c", "pass"], env=env, check=True)
    return (time.perf_counter() - started) * 1000.0


def medians(pythons: dict[str, tuple[Path, dict[str, str]]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in pythons}
    for python, env in pythons.values():  # warm the page cache and .pyc files
        for _ in range(3):
            time_once(python, env)
    for _ in range(runs):  # interleaved, so drift hits every variant alike
        for name, (python, env) in pythons.items():
            samples[name].append(time_once(python, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def pth_processing_us(repeat: int = 2000) -> float:
    """What `site` does with our .pth at start-up (read it, exec its line), variable unset."""
    saved = os.environ.pop("BEDROCK_CACHE_HOOK", None)
    try:
        runs = timeit.repeat(
            lambda: site.addpackage(str(ROOT / "boot"), BOOT_FILES[0], set()),
            number=repeat,
            repeat=5,
        )
    finally:
        if saved is not None:
            os.environ["BEDROCK_CACHE_HOOK"] = saved
    return min(runs) / repeat * 1e6


def botocore_loaded_at_start(env: dict[str, str]) -> bool:
    code = "import sys; print('botocore' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip() == "True"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        without = make_env(Path(tmp) / "without", with_hook=False)
        with_hook = make_env(Path(tmp) / "with", with_hook=True)
        unset = clean_environ()
        result = medians(
            {
                "without .pth": (without, unset),
                "with .pth, BEDROCK_CACHE_HOOK unset": (with_hook, unset),
                "with .pth, BEDROCK_CACHE_HOOK=inject": (
                    with_hook,
                    clean_environ(BEDROCK_CACHE_HOOK="inject"),
                ),
            },
            args.runs,
        )
    base = result["without .pth"]
    print(f"python -c pass, median of {args.runs} runs ({sys.version.split()[0]})")
    for name, value in result.items():
        print(f"  {name:<40} {value:8.3f} ms   diff {value - base:+.3f} ms   x{value / base:.4f}")
    unset_diff = result["with .pth, BEDROCK_CACHE_HOOK unset"] - base
    verdict = "OK" if unset_diff < 1.0 else "OVER BUDGET"
    print(f"unset overhead {unset_diff:+.3f} ms (budget < 1 ms): {verdict}")
    print(f"site processing of the .pth alone, variable unset: {pth_processing_us():.1f} us")
    print(
        "botocore imported at start-up in this environment: "
        f"unset={botocore_loaded_at_start(clean_environ())}, "
        f"set={botocore_loaded_at_start(clean_environ(BEDROCK_CACHE_HOOK='inject'))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
