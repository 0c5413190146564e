"""What the hook costs per call in machine instructions (and cache misses), not seconds.

    python scripts/bench_instructions.py [--calls N] [--cases a,b,c,d] [--cache]

Wall time on a shared machine drifts by tens of percent from run to run; instruction counts
do not. Each case of ``bench_overhead.py`` runs in a child process under valgrind
(``callgrind``; with ``--cache``, ``cachegrind``'s simulated caches too): both clients are
built and warmed in every child, then one arm makes N calls, so the difference between two
children's totals is N calls of one arm against the other, and a child making no call gives
the plain call's own count. Prints per call: instructions of a plain call, of the hook's own
work, and their ratio, with (``--cache``) the L1 instruction and data misses the hook adds:
where the wall-clock ratio is well above the instruction ratio, those misses are the reason.
Instructions and instruction-cache misses repeat to within 0.1% from run to run; simulated
data-cache misses depend on where allocations land and move by thousands, so compare those
only across many runs. Needs valgrind on the PATH; no network, no AWS account.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import logging, sys
logging.disable(logging.WARNING)
sys.path.insert(0, {here!r})
import bench_overhead as b
case = {{c.name[:3]: c for c in b.cases(10, True)}}[{case!r}]
arms = {{hook: b.make(case.operation, "before-send", hook) for hook in (None, "inject")}}
for _ in range(30):
    for made in arms.values():
        b.call_once(made, case, "before-send")
for _ in range({calls}):
    b.call_once(arms[{arm!r}], case, "before-send")
"""
_COUNTS = {
    "Ir": re.compile(r"(?:Collected :|I\s+refs:)\s+([\d,]+)"),
    "I1": re.compile(r"I1\s+misses:\s+([\d,]+)"),
    "D1": re.compile(r"D1\s+misses:\s+([\d,]+)"),
}


def _run(case: str, arm: str | None, calls: int, *, cache: bool) -> dict[str, int]:
    tool = ["--tool=cachegrind", "--cache-sim=yes"] if cache else ["--tool=callgrind"]
    out = "--cachegrind-out-file=/dev/null" if cache else "--callgrind-out-file=/dev/null"
    code = CHILD.format(here=str(HERE), case=case, arm=arm, calls=calls)
    env = {**os.environ, "PYTHONHASHSEED": "0", "AWS_ACCESS_KEY_ID": "bench"}
    env["AWS_SECRET_ACCESS_KEY"] = "bench"
    done = subprocess.run(
        ["valgrind", *tool, out, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    counts = {}
    for name, pattern in _COUNTS.items():
        found = pattern.search(done.stderr)
        if found is not None:
            counts[name] = int(found.group(1).replace(",", ""))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--cases", default="a,b,c,d", help="letters of bench_overhead's cases")
    parser.add_argument("--cache", action="store_true", help="simulate caches (slower)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count", file=sys.stderr)
        return 2
    print(
        f"{'case':<6} {'plain Ir':>12} {'hook Ir':>12} {'ratio':>6} {'+I1 miss':>9} {'+D1 miss':>9}"
    )
    for letter in args.cases.split(","):
        case = f"({letter.strip()})"
        jobs = [(case, None, 0), (case, None, args.calls), (case, "inject", args.calls)]
        with ThreadPoolExecutor(2) as pool:
            idle, plain, hook = pool.map(lambda job: _run(*job, cache=args.cache), jobs)
        per_plain = (plain["Ir"] - idle["Ir"]) / args.calls
        own = (hook["Ir"] - plain["Ir"]) / args.calls
        misses = [
            f"{(hook[k] - plain[k]) / args.calls:>9.0f}" if k in hook else f"{'-':>9}"
            for k in ("I1", "D1")
        ]
        print(
            f"{case:<6} {per_plain:>12,.0f} {own:>12,.0f} {(per_plain + own) / per_plain:>6.3f} "
            + " ".join(misses)
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
