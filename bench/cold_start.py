"""Cold start: wall time of `creator-advisor plan examples/rising-baker-6k.yaml --format md`, a new process each
time, median of several runs (a benchmark, not a test). Uses the installed `creator-advisor` when it is on PATH,
else `python -m advisor.cli` from this checkout.

Three cases, run in turn so a busy machine affects them alike: the compiled-template cache warm (every run after
the first), empty (a first run: it compiles and writes the cache) and off (`CREATOR_ADVISOR_CACHE_DIR=`). The cache
goes to a temporary folder, so the user's own is neither used nor touched.

    python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import ROOT, median, verdict  # noqa: E402

TARGET_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    installed = shutil.which("creator-advisor")
    command = [installed] if installed else [sys.executable, "-m", "advisor.cli"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    arguments = ["plan", str(ROOT / "examples" / "rising-baker-6k.yaml"), "--format", "md"]
    times: dict[str, list[float]] = {"warm cache": [], "empty cache": [], "cache off": []}
    with tempfile.TemporaryDirectory(prefix="cold-start-") as work:
        warm, empty = Path(work) / "warm", Path(work) / "empty"
        folders = {"warm cache": str(warm), "empty cache": str(empty), "cache off": ""}
        subprocess.run([*command, *arguments], env=dict(env, CREATOR_ADVISOR_CACHE_DIR=str(warm)),
                       capture_output=True, check=True)  # fills the warm cache, and the file system's
        for _ in range(args.runs):
            for case, folder in folders.items():
                shutil.rmtree(empty, ignore_errors=True)
                started = time.perf_counter()
                subprocess.run([*command, *arguments], env=dict(env, CREATOR_ADVISOR_CACHE_DIR=folder),
                               stdout=subprocess.DEVNULL, check=True)
                times[case].append((time.perf_counter() - started) * 1000)
    baseline = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append((time.perf_counter() - started) * 1000)
    print(f"command: {' '.join(Path(part).name if part == command[0] else part for part in command)} "
          f"{' '.join(arguments[:1])} examples/rising-baker-6k.yaml --format md")
    for case, values in times.items():
        print(f"cold start, {case}, median of {args.runs}: {median(values):.0f} ms (min {min(values):.0f}, max "
              f"{max(values):.0f})" + (f"; target < {TARGET_MS} ms: {verdict(median(values) < TARGET_MS)}"
                                      if case == "warm cache" else ""))
    print(f"(an empty Python start on this machine: {median(baseline):.0f} ms)")


if __name__ == "__main__":
    main()
