"""Instructions per Markdown plan, counted by valgrind (a benchmark, not a test).

Wall and CPU time on a shared machine move by 10-20% with the neighbours' load; the number of instructions the
loop executes does not, so it shows a change worth one per cent. The loop is end_to_end.py's in-process one
(JSON line -> profile -> plan -> Markdown). It is counted twice, over N plans and over none, after the same
warm-up, and the difference divided by N: start-up, pack loading and warm-up cancel out. A first uncounted run
fills the compiled-template cache, so neither counted run compiles anything.

    python bench/instructions.py [--plans 200] [--format md]

Needs valgrind on the PATH. Compare two versions by running this from each one's checkout; fewer instructions is
not always less time (memory traffic counts too), so confirm a large change with end_to_end.py.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import ROOT, profile_lines  # noqa: E402

WARM_UP = 50


def loop(plans: int, fmt: str) -> None:
    """The measured loop: WARM_UP plans, then `plans` more (the next lines of the data set)."""
    sys.path.insert(0, str(ROOT))
    from advisor.api import Advisor
    from advisor.profile.importers import profile_from_record
    from advisor.reports.render import render

    lines, _ = profile_lines()
    advisor = Advisor()
    for number, line in enumerate(lines[:WARM_UP + plans], 1):
        render(advisor.advise(profile_from_record(json.loads(line), source=f"line {number}")).to_dict(), fmt)


def counted(plans: int, fmt: str) -> int:
    completed = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--run-loop", str(plans), "--format", fmt], capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", completed.stderr)
    if completed.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed: {completed.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--format", default="md", choices=("md", "html"))
    parser.add_argument("--run-loop", type=int, default=None, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.run_loop is not None:
        loop(args.run_loop, args.format)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: this benchmark counts instructions with it")
    lines, origin = profile_lines()
    plans = min(args.plans, len(lines) - WARM_UP)
    loop(plans, args.format)  # fills the compiled-template cache: neither counted run compiles
    per_plan = (counted(plans, args.format) - counted(0, args.format)) / plans
    print(f"{per_plan / 1e6:.2f} million instructions per {args.format} plan ({plans} plans of {origin})")


if __name__ == "__main__":
    main()
