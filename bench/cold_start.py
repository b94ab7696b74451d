"""Cold start: wall time of the INSTALLED `creator-advisor plan examples/rising-baker-6k.yaml --format md`, a new
process each time, median of several runs (a benchmark, not a test). The command is the console script of an
installed venv (see _installed.py; `--venv PATH` to give one), run from an empty folder with PYTHONPATH unset.

Three cases, run in turn so a busy machine affects them alike: the compiled-template cache warm (every run after
the first), empty (a first run: it compiles and writes the cache) and off (`CREATOR_ADVISOR_CACHE_DIR=`). The cache
goes to a temporary folder, so the user's own is neither used nor touched. Beside the wall time, the CPU time of
the process (a neighbour's load stretches the first, not the second), and an empty Python start of the same venv.

    python bench/cold_start.py [--runs 15] [--venv PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import ROOT, verdict  # noqa: E402
from _installed import installed, run_timed  # noqa: E402

TARGET_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--venv", help="a venv with creator-advisor installed (default: one built from here)")
    args = parser.parse_args()
    package = installed(args.venv)
    arguments = ["plan", str(ROOT / "examples" / "rising-baker-6k.yaml"), "--format", "md"]
    cases = ("warm cache", "empty cache", "cache off")
    wall: dict[str, list[float]] = {case: [] for case in (*cases, "empty Python")}
    cpu: dict[str, list[float]] = {case: [] for case in wall}
    with tempfile.TemporaryDirectory(prefix="cold-start-") as work:
        warm, empty = Path(work) / "warm", Path(work) / "empty"
        folders = {"warm cache": str(warm), "empty cache": str(empty), "cache off": ""}
        env = package.env()
        completed, _, _ = run_timed([str(package.script), *arguments],
                                    env=dict(env, CREATOR_ADVISOR_CACHE_DIR=str(warm)), cwd=work)
        if completed.returncode != 0:  # fills the warm cache, and the file system's
            raise SystemExit(f"the command failed: {completed.stderr[-400:]}")
        for _ in range(args.runs):
            for case in (*cases, "empty Python"):
                shutil.rmtree(empty, ignore_errors=True)
                command = [str(package.python), "-c", "pass"] if case == "empty Python" else \
                    [str(package.script), *arguments]
                completed, seconds, used = run_timed(command, env=dict(env, CREATOR_ADVISOR_CACHE_DIR=folders.get(
                    case, "")), cwd=work)
                if completed.returncode != 0:
                    raise SystemExit(f"the command failed: {completed.stderr[-400:]}")
                wall[case].append(seconds * 1000)
                cpu[case].append(used * 1000)
    print(f"command: {package.script.name} {arguments[0]} examples/rising-baker-6k.yaml --format md "
          f"(package from {package.where})")
    print(f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for case, values in wall.items():
        median = statistics.median(values)
        target = f"; target < {TARGET_MS} ms: {verdict(median < TARGET_MS)}" if case == "warm cache" else ""
        print(f"  {case:<13} median of {args.runs}: {median:4.0f} ms wall (min {min(values):.0f}, max "
              f"{max(values):.0f}), {statistics.median(cpu[case]):4.0f} ms CPU{target}")


if __name__ == "__main__":
    main()
