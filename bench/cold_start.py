"""Cold start: wall time of `creator-advisor plan examples/rising-baker-6k.yaml --format md`, a new process each
time, median of several runs (a benchmark, not a test). Uses the installed `creator-advisor` when it is on PATH,
else `python -m advisor.cli` from this checkout.

    python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
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
    subprocess.run([*command, *arguments], env=env, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([*command, *arguments], env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - started) * 1000)
    baseline = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append((time.perf_counter() - started) * 1000)
    print(f"command: {' '.join(Path(part).name if part == command[0] else part for part in command)} "
          f"{' '.join(arguments[:1])} examples/rising-baker-6k.yaml --format md")
    print(f"cold start, median of {args.runs}: {median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}); "
          f"target < {TARGET_MS} ms: {verdict(median(times) < TARGET_MS)}")
    print(f"(an empty Python start on this machine: {median(baseline):.0f} ms)")


if __name__ == "__main__":
    main()
