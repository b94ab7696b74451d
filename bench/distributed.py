"""Distributed: plans per second of the installed `creator-advisor batch` on a generated file of 200,000 profiles
with --jobs 1, --jobs 2 and --dask local:2, in one sitting (a benchmark, not a test), with the peak resident memory
of the client (the command's own process; for Dask it also hosts the LocalCluster's scheduler) and of the largest
worker process, and Dask's overhead against local processes on the same machine (target: --dask local:2 within
25% of --jobs 2's time).

Plans go to standard output, sent to /dev/null (200,000 full plans would be 5 GB of disk): the figures are
planning, encoding and moving the plans, not the disk. The cases run interleaved, --runs times; the figure is the
median. Memory is sampled every 10 ms over the whole process tree (psutil, the `bench` extra).

    python bench/distributed.py [--count 200000] [--runs 1] [--partition 64] [--venv PATH] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import generated_lines, verdict  # noqa: E402
from _installed import installed, run_sampled  # noqa: E402

TARGET_OVERHEAD = 0.25
BLOCK = 2_000  # profiles generated at a time (a seed each), so the file of any size costs little memory here


def write_generated(path: Path, count: int) -> Path:
    """`count` generated profiles (bench/_data.generated_lines, seeded), each with its own handle."""
    with open(path, "w", encoding="utf-8") as stream:
        written = 0
        seed = 0
        while written < count:
            for line in generated_lines(min(BLOCK, count - written), seed=2020 + seed):
                profile = json.loads(line)
                profile["handle"] = f"generated-{written:07d}"
                stream.write(json.dumps(profile) + "\n")
                written += 1
            seed += 1
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per case; the median is the figure")
    parser.add_argument("--partition", type=int, default=None, help="--partition-size for the Dask case")
    parser.add_argument("--venv", help="a venv with creator-advisor[dask] installed (default: one built here)")
    parser.add_argument("--quick", action="store_true", help="5,000 profiles, one run (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.count, args.runs = 5_000, 1
    package = installed(args.venv, extras="dask")
    cases = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"], "--dask local:2": ["--dask", "local:2"]}
    if args.partition:
        cases["--dask local:2"] += ["--partition-size", str(args.partition)]
    print(f"command: {package.script} batch FILE CASE > /dev/null (package from {package.where})")
    print(f"records: {args.count:,} generated profiles; {args.runs} run(s) per case, median; {os.cpu_count()} "
          f"cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start")
    with tempfile.TemporaryDirectory() as folder:
        source = write_generated(Path(folder) / "profiles.jsonl", args.count)
        figures: dict[str, list] = {case: [] for case in cases}
        for _ in range(args.runs):
            for case, options in cases.items():
                command = ["sh", "-c", 'exec "$0" "$@" > /dev/null', str(package.script), "batch", str(source),
                           *options]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                completed, seconds, memory = run_sampled(command, env=package.env(), cwd=folder)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if completed.returncode not in (0, 1) or "plans written" not in completed.stderr:
                    raise SystemExit(f"{case} failed ({completed.returncode}): {completed.stderr[-600:]}")
                figures[case].append((seconds, memory, completed.stderr.splitlines()[0], cpu))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print()
    times, cpus = {}, {}
    for case, runs in figures.items():
        seconds = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[3] for run in runs)
        times[case], cpus[case] = seconds, cpu
        client = statistics.median(run[1].peak_root_mb for run in runs)
        worker = statistics.median(run[1].peak_child_mb for run in runs)
        tree = statistics.median(run[1].peak_tree_mb for run in runs)
        print(f"{case:<15} {args.count / seconds:8,.0f} plans/s  {seconds:7.1f} s  {args.count / cpu:6,.0f} plans "
              f"per CPU s (whole tree {cpu:6.1f} s)  client peak {client:6.1f} MB  largest worker {worker:6.1f} MB  "
              f"whole tree {tree:7.1f} MB")
        print(f"{'':<15} {runs[0][2]}")
    overhead = times["--dask local:2"] / times["--jobs 2"] - 1
    cpu_overhead = cpus["--dask local:2"] / cpus["--jobs 2"] - 1
    print()
    print(f"Dask's overhead against --jobs 2 on one machine: {overhead:+.1%} of the time; target within "
          f"{TARGET_OVERHEAD:.0%}: {verdict(overhead <= TARGET_OVERHEAD)}")
    print(f"... and {cpu_overhead:+.1%} of the CPU time (the wall clock follows it on a quiet machine; under a "
          f"neighbour's load the wall clock says more about the neighbour)")
    print(f"--jobs 2 against --jobs 1: {times['--jobs 1'] / times['--jobs 2']:.2f}x")
    rate = args.count / times["--dask local:2"]
    print(f"A million creators at the --dask local:2 rate: {1_000_000 / rate / 60:.0f} min on this machine; "
          f"on a cluster, divide by (workers / 2) while the client keeps up (it only reads lines and writes plans)")


if __name__ == "__main__":
    main()
