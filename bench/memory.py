"""Memory: peak resident memory (RSS) of `creator-advisor batch` over 100,000 profiles against 1,000 (a benchmark,
not a test). The records are the data set repeated; plans go to a JSONL file. With --jobs 1 everything (reading,
planning, writing) happens in the one process measured; with --jobs 2 the figure is the largest process (the
parent or a worker).

    python bench/memory.py [--large 100000] [--small 1000] [--jobs 1]
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

from _data import ROOT, profile_lines, verdict, write_jsonl  # noqa: E402

TARGET_MB = 20
_PEAK = ("import resource, subprocess, sys; completed = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
         "stderr=subprocess.PIPE, text=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
         "print(completed.returncode); print(completed.stderr.splitlines()[0] if completed.stderr else '')")


def peak_rss_mb(source: Path, jobs: int, work: Path) -> tuple[float, float, str]:
    """(peak RSS in MB of the largest process, wall seconds, the summary line) of one batch run."""
    installed = shutil.which("creator-advisor")
    command = [installed] if installed else [sys.executable, "-m", "advisor.cli"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", _PEAK, *command, "batch", str(source), "-o",
                                str(work / "plans.jsonl"), "--jobs", str(jobs)], env=env, capture_output=True,
                               text=True, check=True)
    seconds = time.perf_counter() - started
    kilobytes, code, summary = (completed.stdout.splitlines() + ["", "", ""])[:3]
    if code not in ("0", "1"):
        raise SystemExit(f"batch failed ({code}): {summary}")
    return int(kilobytes) / 1024, seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    lines, origin = profile_lines()
    print(f"records: the data set ({origin}) repeated; --jobs {args.jobs}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        figures = {}
        for total in (args.small, args.large):
            source = write_jsonl(work / f"profiles-{total}.jsonl", lines, total)
            figures[total] = peak_rss_mb(source, args.jobs, work)
            rss, seconds, summary = figures[total]
            print(f"  {total:>9,} profiles: peak RSS {rss:6.1f} MB  ({seconds:.0f} s; {summary})")
            source.unlink()
    growth = figures[args.large][0] - figures[args.small][0]
    print(f"growth from {args.small:,} to {args.large:,} profiles: {growth:+.1f} MB; target within {TARGET_MB} MB: "
          f"{verdict(growth <= TARGET_MB)}")


if __name__ == "__main__":
    main()
