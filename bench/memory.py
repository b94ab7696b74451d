"""Memory: peak resident memory (RSS) of the installed `creator-advisor batch` over 100,000 profiles against 1,000,
for the whole process tree (the command and its worker processes), with --jobs 1 and --jobs 2 (a benchmark, not a
test). The records are the data set repeated; plans go to a JSONL file.

The tree's RSS is sampled every 10 ms (psutil, the `bench` extra): the figure is the largest sum over the parent
and its workers at one sample, and beside it the largest single process. Each case runs --runs times; the figure
is the median, with the range. The command is the console script of an installed venv (see _installed.py).

    python bench/memory.py [--large 100000] [--small 1000] [--jobs 1,2] [--runs 3] [--venv PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import profile_lines, verdict, write_jsonl  # noqa: E402
from _installed import installed, run_sampled  # noqa: E402

TARGET_MB = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (default 1,2)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the median is the figure")
    parser.add_argument("--venv", help="a venv with creator-advisor installed (default: one built from here)")
    parser.add_argument("--quick", action="store_true", help="200 against 2,000 profiles, one run (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.small, args.large, args.runs = 200, 2_000, 1
    package = installed(args.venv)
    lines, origin = profile_lines()
    jobs = [int(value) for value in args.jobs.split(",")]
    print(f"command: {package.script} batch FILE -o plans.jsonl --jobs N (package from {package.where})")
    print(f"records: the data set ({origin}) repeated; {args.runs} runs per case, median (lowest-highest); "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        sources = {total: write_jsonl(work / f"profiles-{total}.jsonl", lines, total)
                   for total in (args.small, args.large)}
        figures: dict[tuple[int, int], list] = {(job, total): [] for job in jobs for total in sources}
        for _ in range(args.runs):  # interleaved, so the machine's load falls on every case alike
            for key in figures:
                job, total = key
                command = [str(package.script), "batch", str(sources[total]), "-o", str(work / "plans.jsonl"),
                           "--jobs", str(job)]
                completed, seconds, memory = run_sampled(command, env=package.env(), cwd=folder)
                if completed.returncode not in (0, 1):
                    raise SystemExit(f"batch failed ({completed.returncode}): {completed.stderr[-300:]}")
                figures[key].append((memory, seconds, (completed.stderr.splitlines() or [""])[0]))
    for job in jobs:
        print()
        print(f"--jobs {job}")
        medians = {}
        for total in (args.small, args.large):
            runs = figures[(job, total)]
            tree = sorted(memory.peak_tree_mb for memory, _, _ in runs)
            single = sorted(memory.peak_process_mb for memory, _, _ in runs)
            medians[total] = statistics.median(tree)
            print(f"  {total:>9,} profiles: whole tree {medians[total]:6.1f} MB ({tree[0]:.1f}-{tree[-1]:.1f}), "
                  f"largest process {statistics.median(single):.1f} MB, {max(m.processes for m, _, _ in runs)} "
                  f"processes, {statistics.median(s for _, s, _ in runs):.1f} s; {runs[0][2]}")
        growth = medians[args.large] - medians[args.small]
        print(f"  growth from {args.small:,} to {args.large:,} profiles: {growth:+.1f} MB; target within "
              f"{TARGET_MB} MB: {verdict(growth <= TARGET_MB)}")


if __name__ == "__main__":
    main()
