"""`creator-advisor batch --dask`: a real Dask cluster on loopback (a `dask scheduler` and two `dask worker`
processes started here) gives the same plans, byte for byte, as `--jobs 1`, whatever the partitioning; a worker
killed mid-run loses nothing and duplicates nothing; `--dask local:N` and the library entry point
(advisor.distributed) give the same plans too.

The corpus is the shared one (../shared/data/creators-2020.jsonl) when it is there, else one generated from the
examples. Needs dask[distributed] (the `test` extra brings it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the Dask tests need dask[distributed] (pip install -e '.[test]')")

from test_batch import ROOT, write_jsonl  # noqa: E402

SHARED = ROOT.parent.parent / "shared" / "data" / "creators-2020.jsonl"
SHARED_ALT = Path("/work/shared/data/creators-2020.jsonl")


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    return env


def batch_process(folder: Path, *args: object) -> subprocess.CompletedProcess:
    """`creator-advisor batch ARGS...` as a real process, from `folder` (a slow machine gets minutes)."""
    return subprocess.run([sys.executable, "-m", "advisor.cli", "batch", *map(str, args)], cwd=folder, env=_env(),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    for candidate in (SHARED, SHARED_ALT):
        if candidate.is_file():
            return candidate
    path = tmp_path_factory.mktemp("corpus") / "creators.jsonl"
    write_jsonl(path, 600, bad={17: "{not json", 301: '{"handle": "x", "followers": -1}'})
    return path


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[bytes, bytes, str]:
    """The plans, summary table and error lines of `--jobs 1`."""
    folder = tmp_path_factory.mktemp("reference")
    result = batch_process(folder, corpus, "-o", folder / "plans.jsonl", "--summary", folder / "table.csv",
                           "--jobs", "1")
    assert result.returncode in (0, 1), result.stderr
    errors = "\n".join(line for line in result.stderr.splitlines() if line.startswith(str(corpus)))
    return (folder / "plans.jsonl").read_bytes(), (folder / "table.csv").read_bytes(), errors


class Cluster:
    """A `dask scheduler` and `dask worker` processes on 127.0.0.1, each its own process to kill."""

    def __init__(self, folder: Path, workers: int):
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", self.file)
        deadline = time.monotonic() + 60
        while not self.file.is_file() or not self.file.read_text(encoding="utf-8").strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise RuntimeError("the Dask scheduler did not start")
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text(encoding="utf-8"))["address"]
        self.workers = [self._start("worker", "--scheduler-file", self.file, "--nthreads", "1", "--no-nanny",
                                    "--no-dashboard", "--host", "127.0.0.1") for _ in range(workers)]
        self._wait_for_workers(workers)

    def _start(self, *args: object) -> subprocess.Popen:
        log = open(self.folder / f"{args[0]}-{len(self.processes)}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "dask", *map(str, args)], cwd=self.folder, env=_env(),
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def _wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(count, timeout=120)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("cluster"), workers=2)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_cluster(tmp_path):
    """A cluster for one test alone (one whose worker the test kills)."""
    running = Cluster(tmp_path, workers=2)
    try:
        yield running
    finally:
        running.stop()


def _errors(stderr: str, corpus: Path) -> str:
    return "\n".join(line for line in stderr.splitlines() if line.startswith(str(corpus)))


@pytest.mark.parametrize("partition", [13, 500])
def test_a_cluster_of_two_workers_gives_the_plans_of_one_process(cluster, corpus, reference, tmp_path,
                                                                  partition):
    plans, table, errors = reference
    result = batch_process(tmp_path, corpus, "--dask", cluster.address, "--partition-size", partition,
                           "-o", tmp_path / "plans.jsonl", "--summary", tmp_path / "table.csv")
    assert result.returncode in (0, 1), result.stderr
    assert (tmp_path / "plans.jsonl").read_bytes() == plans
    assert (tmp_path / "table.csv").read_bytes() == table
    assert _errors(result.stderr, corpus) == errors  # failed records reported by line, as locally
    assert "Dask, 2 workers" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_record_a_partition_with_failures_keeps_order_and_lines(cluster, tmp_path):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 30, bad={2: "{not json", 29: '{"handle": "x", "followers": -1}'})
    local = batch_process(tmp_path, source, "--jobs", "1", "-o", tmp_path / "one.jsonl")
    dask = batch_process(tmp_path, source, "--dask", cluster.address, "--partition-size", "1", "-o",
                         tmp_path / "two.jsonl")
    assert local.returncode == dask.returncode == 1
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert _errors(dask.stderr, source) == _errors(local.stderr, source) != ""


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(own_cluster, corpus, reference, tmp_path):
    cluster = own_cluster
    plans, _table, errors = reference
    target = tmp_path / "plans.jsonl"
    env = _env()
    run = subprocess.Popen([sys.executable, "-m", "advisor.cli", "batch", str(corpus), "--dask", cluster.address,
                            "--partition-size", "5", "-o", str(target)], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Kill a worker while it is planning one of the run's partitions (the scheduler says which it is running).
    from distributed import Client

    with Client(cluster.address, timeout=60) as watcher:
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and run.poll() is None:
            for address, keys in watcher.processing().items():
                if any(str(key).startswith("creator-advisor-") for key in keys):
                    victim = address
                    break
            time.sleep(0.01)
        assert victim is not None and run.poll() is None, "the run ended before a worker could be killed"
        pid = watcher.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode in (0, 1), stderr
    assert target.read_bytes() == plans  # every plan once, in input order
    assert _errors(stderr, corpus) == errors
    assert "run again after a Dask worker was lost" in stderr, stderr
    assert "Traceback" not in stderr


def test_a_dask_run_killed_mid_way_resumes_on_dask_with_every_plan_once(cluster, corpus, reference, tmp_path):
    plans = reference[0]
    target = tmp_path / "plans.jsonl"
    partial, progress = tmp_path / "plans.jsonl.partial", tmp_path / "plans.jsonl.resume"
    first = subprocess.Popen([sys.executable, "-m", "advisor.cli", "batch", str(corpus), "--dask", cluster.address,
                              "--partition-size", "5", "-o", str(target)], cwd=tmp_path, env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while first.poll() is None and time.monotonic() < deadline and \
            not (partial.exists() and partial.stat().st_size > 0 and progress.exists()):
        time.sleep(0.01)
    assert first.poll() is None, "the run ended before it could be killed"
    first.kill()
    first.communicate(timeout=30)
    assert not target.exists() and partial.exists()
    result = batch_process(tmp_path, corpus, "--dask", cluster.address, "--partition-size", "7", "-o", target,
                           "--resume")
    assert result.returncode in (0, 1), result.stderr
    assert "Resumed: the first" in result.stderr
    assert target.read_bytes() == plans  # every plan once, in input order, though two runs made them
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plans.jsonl"]


def test_a_record_timeout_is_refused_on_dask_saying_why(tmp_path, corpus):
    result = batch_process(tmp_path, corpus, "--dask", "local:1", "--record-timeout", "5", "-o",
                           tmp_path / "plans.jsonl")
    assert result.returncode == 2 and "--record-timeout is for local runs" in result.stderr
    assert not (tmp_path / "plans.jsonl").exists()


def test_a_local_cluster_gives_the_same_plans_and_reports(corpus, tmp_path):
    source = tmp_path / "input.jsonl"
    with open(corpus, "rb") as stream:
        source.write_bytes(b"".join(line for _, line in zip(range(40), stream)))
    local = batch_process(tmp_path, source, "--jobs", "1", "-o", tmp_path / "one.jsonl", "--out", tmp_path / "r1")
    assert "not both" in local.stderr  # -o and --out together are refused, as before
    local = batch_process(tmp_path, source, "--jobs", "1", "-f", "html", "--out", tmp_path / "one")
    dask = batch_process(tmp_path, source, "--dask", "local:2", "--partition-size", "3", "-f", "html", "--out",
                         tmp_path / "two")
    assert dask.returncode == local.returncode, dask.stderr
    assert "Dask, 2 workers" in dask.stderr
    one = sorted(path.name for path in (tmp_path / "one").iterdir())
    assert one == sorted(path.name for path in (tmp_path / "two").iterdir())
    assert "index.html" in one
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_an_unreachable_scheduler_is_one_clear_error_and_no_output(tmp_path, corpus):
    target = tmp_path / "plans.jsonl"
    os.environ["DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"] = "2s"  # batch_process passes the environment on
    try:
        result = batch_process(tmp_path, corpus, "--dask", "tcp://127.0.0.1:9", "-o", target)
    finally:
        del os.environ["DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"]
    assert result.returncode == 1
    assert result.stderr.startswith("Error: --dask tcp://127.0.0.1:9: ")
    assert "Traceback" not in result.stderr
    assert not target.exists() and not list(tmp_path.glob(".plans*"))
