"""End to end: profile -> plan -> JSON, Markdown and HTML with the INSTALLED package, in one process and as
`creator-advisor batch --jobs 1` and `--jobs 2` (a benchmark, not a test).

Two views of the same work, both run by the console script / Python of an installed venv (see _installed.py;
`--venv PATH` to give one), never this checkout on sys.path:
- in process: the library loop a batch worker runs (_plans_loop.py, run by the venv's Python), per format: plans
  per CPU second on one core, the median of --passes passes with the lowest and highest;
- as a command: `creator-advisor batch` as a whole process (start-up, pack loading, workers, writing the output)
  with --jobs 1 and --jobs 2, each run --runs times, interleaved; the figures are the medians of wall time (what
  the user waits) and of the CPU time of the whole process tree. JSON plans go to one JSONL file, Markdown and
  HTML reports one file each into a folder.

    python bench/end_to_end.py [--repeat 2] [--formats json,md,html] [--passes 5] [--runs 3] [--venv PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import profile_lines, verdict, write_jsonl  # noqa: E402
from _installed import Installed, installed, run_timed  # noqa: E402

TARGET_MD_PER_CORE = 1000
TARGET_SPEEDUP = 1.7
LOOP = Path(__file__).resolve().parent / "_plans_loop.py"


def in_process(package: Installed, source: Path, fmt: str, passes: int, cwd: str) -> list[float]:
    completed = subprocess.run([str(package.python), str(LOOP), str(source), fmt, str(passes)], env=package.env(),
                               cwd=cwd, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"the in-process loop failed: {completed.stderr[-400:]}")
    answer = json.loads(completed.stdout)
    if answer["package"] != package.where:
        raise SystemExit(f"the loop imported {answer['package']}, not the installed {package.where}")
    return sorted(answer["rates"])


def as_command(package: Installed, source: Path, fmt: str, jobs: int, work: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the tree) of one `batch` process."""
    target = work / f"out-{fmt}-{jobs}"
    shutil.rmtree(target, ignore_errors=True)
    output = ["-o", str(target) + ".jsonl"] if fmt == "json" else ["--out", str(target)]
    completed, wall, cpu = run_timed([str(package.script), "batch", str(source), "--format", fmt, *output,
                                      "--jobs", str(jobs)], env=package.env(), cwd=str(work))
    if completed.returncode not in (0, 1):
        raise SystemExit(f"batch failed: {completed.stderr[-400:]}")
    return wall, cpu


def spread(values: list[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="the data set this many times over (default 1)")
    parser.add_argument("--formats", default="json,md,html")
    parser.add_argument("--passes", type=int, default=5, help="in-process passes per format (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each batch command (default 3)")
    parser.add_argument("--venv", help="a venv with creator-advisor installed (default: one built from here)")
    parser.add_argument("--quick", action="store_true", help="200 profiles, 1 pass, 1 run (a smoke run)")
    args = parser.parse_args()
    package = installed(args.venv)
    lines, origin = profile_lines()
    if args.quick:
        lines, args.passes, args.runs = lines[:200], 1, 1
    total = len(lines) * args.repeat
    formats = args.formats.split(",")
    print(f"package: {package.where}")
    print(f"profiles: {total:,} ({origin}{f', {args.repeat} times over' if args.repeat > 1 else ''}); "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = write_jsonl(work / "profiles.jsonl", lines, total)
        print()
        print(f"in process (one core): profile -> plan -> report; plans per CPU second, median of {args.passes} "
              "passes (lowest-highest)")
        for fmt in formats:
            rates = in_process(package, source, fmt, args.passes, folder)
            median = statistics.median(rates)
            target = f">= {TARGET_MD_PER_CORE:,}/s" if fmt == "md" else ""
            print(f"  {fmt:<5} {median:>8,.0f} plans/s ({spread(rates)})  {target:>12}  "
                  f"{verdict(median >= TARGET_MD_PER_CORE) if fmt == 'md' else ''}")
        print()
        print(f"creator-advisor batch, whole process (start-up, pack, workers, output included), median of "
              f"{args.runs} runs (lowest-highest)")
        runs: dict[tuple[str, int], list[tuple[float, float]]] = {(fmt, jobs): [] for fmt in formats
                                                                   for jobs in (1, 2)}
        for _ in range(args.runs):  # interleaved, so the machine's load falls on every case alike
            for fmt, jobs in runs:
                runs[(fmt, jobs)].append(as_command(package, source, fmt, jobs, work))
    for fmt in formats:
        walls = {jobs: [wall for wall, _ in runs[(fmt, jobs)]] for jobs in (1, 2)}
        cpus = {jobs: [cpu for _, cpu in runs[(fmt, jobs)]] for jobs in (1, 2)}
        one, two = statistics.median(walls[1]), statistics.median(walls[2])
        speedups = sorted(a / b for a in walls[1] for b in walls[2])
        for jobs, wall in ((1, one), (2, two)):
            rates = [total / value for value in walls[jobs]]
            cpu = statistics.median(cpus[jobs])
            print(f"  {fmt:<5} --jobs {jobs}: {total / wall:>7,.0f} plans/s ({spread(rates)}), {wall:.2f} s wall, "
                  f"{cpu:.2f} s CPU (whole tree: {total / cpu:,.0f} plans per CPU second)")
        print(f"        --jobs 2 against --jobs 1: x{one / two:.2f} (pairs {speedups[0]:.2f}-{speedups[-1]:.2f}); "
              f"target x{TARGET_SPEEDUP}: {verdict(one / two >= TARGET_SPEEDUP)}")
        if fmt == "md":
            print(f"        md per core as a command: {total / one:,.0f} plans/s (target >= {TARGET_MD_PER_CORE:,}: "
                  f"{verdict(total / one >= TARGET_MD_PER_CORE)})")


if __name__ == "__main__":
    main()
