"""End to end: profile -> plan -> JSON, Markdown and HTML, in one process and with `batch --jobs 2` (a benchmark,
not a test).

Two views of the same work:
- in process: the library loop a batch worker runs (parse the JSON line, check the profile, evaluate, assemble,
  render), timed with time.perf_counter, per format: plans per second on one core;
- as a command: `creator-advisor batch` run as a whole process (start-up, pack loading, workers, writing the
  output) with --jobs 1 and --jobs 2, timed around the subprocess; JSON plans go to one JSONL file, Markdown and
  HTML reports one file each into a folder.

    python bench/end_to_end.py [--repeat 2] [--formats json,md,html]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import ROOT, profile_lines, verdict, write_jsonl  # noqa: E402

TARGET_MD_PER_CORE = 1000
TARGET_SPEEDUP = 1.7


def in_process(lines: list[str], fmt: str) -> float:
    from advisor.api import Advisor
    from advisor.importers import profile_from_record
    from advisor.render import render

    advisor = Advisor()
    for line in lines[:50]:  # warm-up: templates compiled, rule variants compiled
        render(advisor.advise(profile_from_record(json.loads(line), source="x")).to_dict(), fmt)
    started = time.perf_counter()
    for number, line in enumerate(lines, 1):
        plan = advisor.advise(profile_from_record(json.loads(line), source=f"line {number}")).to_dict()
        if fmt == "json":
            json.dumps(plan, ensure_ascii=False, separators=(",", ":"))
        else:
            render(plan, fmt)
    return len(lines) / (time.perf_counter() - started)


def command() -> list[str]:
    installed = shutil.which("creator-advisor")
    return [installed] if installed else [sys.executable, "-m", "advisor.cli"]


def as_command(source: Path, fmt: str, jobs: int, work: Path) -> tuple[float, str]:
    """(wall seconds, the summary line) of one `batch` process."""
    target = work / f"out-{fmt}-{jobs}"
    shutil.rmtree(target, ignore_errors=True)
    output = ["-o", str(target) + ".jsonl"] if fmt == "json" else ["--out", str(target)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    completed = subprocess.run([*command(), "batch", str(source), "--format", fmt, *output, "--jobs", str(jobs)],
                               env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise SystemExit(f"batch failed: {completed.stderr}")
    return seconds, completed.stderr.splitlines()[0] if completed.stderr else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="the data set this many times over (default 1)")
    parser.add_argument("--formats", default="json,md,html")
    args = parser.parse_args()
    lines, origin = profile_lines()
    total = len(lines) * args.repeat
    formats = args.formats.split(",")
    print(f"profiles: {total:,} ({origin}{f', {args.repeat} times over' if args.repeat > 1 else ''}); "
          f"{os.cpu_count()} cores")
    print()
    print("in process (one core): profile -> plan -> report")
    rates = {}
    for fmt in formats:
        rates[fmt] = in_process(lines * args.repeat, fmt)
        target = f">= {TARGET_MD_PER_CORE:,}/s" if fmt == "md" else ""
        print(f"  {fmt:<5} {rates[fmt]:>8,.0f} plans/s  {target:>12}  "
              f"{verdict(rates[fmt] >= TARGET_MD_PER_CORE) if fmt == 'md' else ''}")
    print()
    print("creator-advisor batch, whole process (start-up, pack, workers, output included)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = write_jsonl(work / "profiles.jsonl", lines, total)
        for fmt in formats:
            one, _ = as_command(source, fmt, 1, work)
            two, _ = as_command(source, fmt, 2, work)
            speedup = one / two
            print(f"  {fmt:<5} --jobs 1: {total / one:>7,.0f} plans/s ({one:.2f} s)   --jobs 2: {total / two:>7,.0f} "
                  f"plans/s ({two:.2f} s)   x{speedup:.2f} (target x{TARGET_SPEEDUP}: "
                  f"{verdict(speedup >= TARGET_SPEEDUP)})")
            if fmt == "md":
                print(f"        md per core as a command: {total / one:,.0f} plans/s (target >= "
                      f"{TARGET_MD_PER_CORE:,}: {verdict(total / one >= TARGET_MD_PER_CORE)})")


if __name__ == "__main__":
    main()
