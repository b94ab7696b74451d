"""The HTTP service under load (a benchmark, not a test): `creator-advisor serve` on a loopback port, 2,000
`POST /v1/plans` at concurrency 16, against `creator-advisor batch --jobs 1` on the same profiles in the same
sitting.

Printed, median of --runs runs (lowest-highest): plans per second (wall), plans per CPU second of the server's
whole process tree (the figure comparable to batch's plans per CPU second: the load generator shares this machine's
cores and its own CPU is not the service's), p50 and p99 latency, errors (must be 0); the latency of one plan at a
time (concurrency 1); and the RSS of the server's whole process tree (parent and workers) before the load and
after each run, to show it flat. Targets (issue 17): service plans per CPU second >= 70% of batch's; p99 of one
plan < 100 ms; errors 0; memory flat.

    python bench/serve_load.py [--requests 2000] [--concurrency 16] [--workers 1,2] [--runs 3] [--format json]
                               [--engine durable|python]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import ROOT, profile_lines, verdict, write_jsonl  # noqa: E402

TARGET_RATIO = 0.70
TARGET_P99_MS = 100.0
TICKS = os.sysconf("SC_CLK_TCK")


def command() -> list[str]:
    installed = shutil.which("creator-advisor")
    return [installed] if installed else [sys.executable, "-m", "advisor.cli"]


ENGINE: str | None = None  # --engine: CREATOR_ADVISOR_ENGINE for batch and serve alike


def environment() -> dict[str, str]:
    extra = {"CREATOR_ADVISOR_ENGINE": ENGINE} if ENGINE else {}
    return dict(os.environ, PYTHONPATH=str(ROOT), **extra)


# -- the process tree ------------------------------------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_rss_mb(pid: int) -> float:
    total = 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / TICKS


# -- the baseline ----------------------------------------------------------------------------------------------------
def batch_baseline(source: Path, total: int, work: Path) -> tuple[float, float]:
    """(plans per wall second, plans per CPU second) of `batch --format json --jobs 1`, whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run([*command(), "batch", str(source), "--format", "json", "-o",
                                str(work / "out.jsonl"), "--jobs", "1"], env=environment(), capture_output=True,
                               text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"batch failed: {completed.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return total / wall, total / cpu


# -- the load generator ----------------------------------------------------------------------------------------------
async def _connection(port: int, bodies: list[bytes], path: str, queue: asyncio.Queue, latencies: list[float],
                      errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = bodies[index % len(bodies)]
            request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(str(status))
    finally:
        writer.close()


async def load(port: int, bodies: list[bytes], requests: int, concurrency: int, path: str
               ) -> tuple[float, list[float], list[str]]:
    queue: asyncio.Queue = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, bodies, path, queue, latencies, errors) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# -- the server ------------------------------------------------------------------------------------------------------
def start_server(workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*command(), "serve", "--port", str(port), "--workers", str(workers),
                                "--log-level", "warning"], env=environment(), stdout=open(log, "wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("serve did not start within 90 s")


def measure(workers: int, bodies: list[bytes], args: argparse.Namespace, path: str, work: Path) -> dict:
    """One server with `workers` processes: --runs loads of --requests, then one plan at a time."""
    server, port = start_server(workers, work / f"serve-{workers}.log")
    try:
        asyncio.run(load(port, bodies, 200, args.concurrency, path))  # warm-up: each worker's variants
        result: dict = {"rss_before": tree_rss_mb(server.pid), "rates": [], "cpu_rates": [], "p50": [], "p99": [],
                        "errors": 0, "rss_after": []}
        for _ in range(args.runs):
            cpu_before = tree_cpu_seconds(server.pid)
            wall, latencies, errors = asyncio.run(load(port, bodies, args.requests, args.concurrency, path))
            cpu = tree_cpu_seconds(server.pid) - cpu_before
            result["rates"].append(args.requests / wall)
            result["cpu_rates"].append(args.requests / cpu if cpu else float("inf"))
            result["p50"].append(percentile(latencies, 0.50) * 1000)
            result["p99"].append(percentile(latencies, 0.99) * 1000)
            result["errors"] += len(errors)
            result["rss_after"].append(tree_rss_mb(server.pid))
        _, result["single"], single_errors = asyncio.run(load(port, bodies, 300, 1, path))
        result["errors"] += len(single_errors)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    ordered = sorted(values)
    return f"{statistics.median(ordered):,.{digits}f}{unit} ({ordered[0]:,.{digits}f}-{ordered[-1]:,.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", default=f"1,{len(os.sched_getaffinity(0))}",
                        help="worker counts to measure, comma-separated (default: 1 and one per core)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="json", choices=["json", "md", "html"])
    parser.add_argument("--engine", default=None, help="the rule engine of batch and serve alike "
                        "(CREATOR_ADVISOR_ENGINE: durable or python; default: the advisor's default)")
    args = parser.parse_args()
    global ENGINE
    ENGINE = args.engine
    worker_counts = list(dict.fromkeys(int(value) for value in args.workers.split(",")))
    lines, origin = profile_lines()
    bodies = [line.encode("utf-8") for line in lines]
    path = f"/v1/plans?format={args.format}"
    cores = len(os.sched_getaffinity(0))
    print(f"profiles: {len(lines):,} ({origin}); {cores} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{args.requests:,} requests at concurrency {args.concurrency}, format {args.format}, {args.runs} runs, "
          f"engine {args.engine or 'default'}")

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = write_jsonl(work / "profiles.jsonl", lines, args.requests)
        baseline = [batch_baseline(source, args.requests, work) for _ in range(args.runs)]
        batch_cpu = statistics.median(rate for _, rate in baseline)
        print(f"\nbatch --jobs 1 (JSON, {args.requests:,} plans, whole process): "
              f"{spread([rate for rate, _ in baseline])} plans/s, {spread([rate for _, rate in baseline])} plans "
              "per CPU second")
        results = {workers: measure(workers, bodies, args, path, work) for workers in worker_counts}

    for workers, result in results.items():
        ratio = statistics.median(result["cpu_rates"]) / batch_cpu
        single = result["single"]
        one_p99 = percentile(single, 0.99) * 1000
        print(f"\nserve, {workers} worker(s), concurrency {args.concurrency}:")
        print(f"  plans/s (wall):              {spread(result['rates'])}")
        print(f"  plans per server CPU second: {spread(result['cpu_rates'])}  = {ratio:.0%} of batch's "
              f"(target >= {TARGET_RATIO:.0%}: {verdict(ratio >= TARGET_RATIO)})")
        print(f"  latency p50:                 {spread(result['p50'], ' ms', 1)}")
        print(f"  latency p99:                 {spread(result['p99'], ' ms', 1)}")
        print(f"  one plan at a time (300 requests): p50 {percentile(single, 0.5) * 1000:.1f} ms, p99 "
              f"{one_p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: {verdict(one_p99 < TARGET_P99_MS)})")
        print(f"  errors:                      {result['errors']} (target 0: {verdict(result['errors'] == 0)})")
        growth = result["rss_after"][-1] - result["rss_before"]
        print(f"  RSS of the process tree:     {result['rss_before']:,.1f} MB before, after each run "
              f"{', '.join(f'{value:,.1f}' for value in result['rss_after'])} MB ({growth:+.1f} MB)")
    if len(results) > 1:
        first, last = worker_counts[0], worker_counts[-1]
        speedup = statistics.median(results[last]["rates"]) / statistics.median(results[first]["rates"])
        print(f"\n{last} workers against {first}: x{speedup:.2f} plans/s (wall; the load generator shares the cores)")


if __name__ == "__main__":
    main()
