"""`batch` under faults (advisor/batch/pool.py, advisor/batch/resume.py): a record that hangs, a worker the OOM
killer takes, Ctrl-C with a worker stuck, SIGTERM and SIGKILL of the run, and input from a pipe.

The faults are injected by replacing `advisor.batch.work.plan_record` in the process that runs the batch: its worker
processes are forked from it and plan with the replacement.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from advisor.batch import work as batch_module
from advisor.cli import batch as batch_command
from test_batch import plan_lines, write_jsonl
from test_cli import run

ROOT = Path(__file__).resolve().parent.parent
posix_only = pytest.mark.skipif(os.name != "posix", reason="signals and fork as POSIX has them")


def _faulty(monkeypatch, faults: dict[str, str], pids: Path | None = None) -> None:
    """Records whose handle is a key of `faults` hang ("hang") or kill their own process ("oom")."""
    original = batch_module.plan_record

    def planning(record):
        raw = record[2] or b""
        for handle, fault in faults.items():
            if f'"handle": "{handle}"'.encode() in raw:
                if fault == "hang":
                    time.sleep(600)
                if fault == "oom":
                    os.kill(os.getpid(), signal.SIGKILL)
        return original(record)

    monkeypatch.setattr(batch_module, "plan_record", planning)


def _input(tmp_path: Path, count: int, special: dict[int, str]) -> tuple[Path, list[str]]:
    source = tmp_path / "in.jsonl"
    handles = write_jsonl(source, count)
    lines = source.read_text(encoding="utf-8").splitlines()
    for number, handle in special.items():
        profile = json.loads(lines[number - 1])
        profile["handle"] = handle
        lines[number - 1] = json.dumps(profile)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source, [h for n, h in enumerate(handles, 1) if n not in special]


@posix_only
def test_a_hung_record_and_an_oom_killed_worker_fail_alone_and_the_run_goes_on(tmp_path, monkeypatch):
    source, expected = _input(tmp_path, 60, {5: "stuck", 23: "oom"})
    _faulty(monkeypatch, {"stuck": "hang", "oom": "oom"})
    target = tmp_path / "out.jsonl"
    started = time.monotonic()
    result = run("batch", source, "-o", target, "--jobs", "2", "--record-timeout", "2")
    assert time.monotonic() - started < 60
    assert result.exit_code == 1
    assert f"{source}:5: planning it took longer than 2 s (--record-timeout); its worker process was stopped" \
        in result.stderr
    assert f"{source}:23: the worker process planning it stopped (killed by SIGKILL (out of memory?))" \
        in result.stderr
    assert "58 plans written" in result.stderr and "2 records failed" in result.stderr
    assert [plan["profile"]["handle"] for plan in plan_lines(target)] == expected


def test_a_record_that_hangs_in_this_process_fails_after_its_time(tmp_path, monkeypatch):
    source, expected = _input(tmp_path, 5, {2: "stuck"})
    _faulty(monkeypatch, {"stuck": "hang"})
    result = run("batch", source, "--jobs", "1", "--record-timeout", "1")
    assert result.exit_code == 1
    assert f"{source}:2: planning it took longer than 1 s (--record-timeout)" in result.stderr
    assert [json.loads(line)["profile"]["handle"] for line in result.stdout.splitlines()] == expected


CHILD = """
import os, sys, time, signal
from advisor.batch import work as batch
original = batch.plan_record
def planning(record):
    if b'"handle": "stuck"' in (record[2] or b""):
        with open(os.environ["STUCK_PIDS"], "a") as f:
            f.write(f"{os.getpid()}\\n")
        while True:  # busy, as a loop in C code would be: only a kill stops it
            pass
    return original(record)
batch.plan_record = planning
from advisor.cli.main import main
main(sys.argv[1:], prog_name="creator-advisor")
"""


def _start(tmp_path: Path, *args: object) -> tuple[subprocess.Popen, Path]:
    pids = tmp_path / "stuck.pids"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PYTHONPATH=str(ROOT), STUCK_PIDS=str(pids))
    process = subprocess.Popen([sys.executable, "-c", CHILD, "batch", *map(str, args)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().strip()):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"the stuck record was never reached: {process.communicate()}")
        time.sleep(0.05)
    return process, pids


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie of ours counts as gone once reaped
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def _hidden(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


@posix_only
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_ctrl_c_or_sigterm_stop_a_run_with_a_stuck_worker_at_once_and_leave_nothing(tmp_path, how):
    source, _ = _input(tmp_path, 80, {40: "stuck"})
    out = tmp_path / "reports"
    process, pids = _start(tmp_path, source, "--out", out, "-f", "md", "--jobs", "2")
    stopped = time.monotonic()
    process.send_signal(how)
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the run did not stop within 15 s")
    assert time.monotonic() - stopped < 15
    assert process.returncode != 0
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"worker {pid} outlived the run"
    assert _hidden(out) == [], "temporary files were left behind"


@posix_only
def test_after_sigkill_of_the_run_no_worker_remains_and_the_next_run_cleans_up(tmp_path):
    source, expected = _input(tmp_path, 80, {60: "stuck"})
    out = tmp_path / "reports"
    process, pids = _start(tmp_path, source, "--out", out, "-f", "md", "--jobs", "2")
    process.kill()
    process.communicate(timeout=30)
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"worker {pid} outlived the run killed by SIGKILL"
    leftover = out / f".creator-advisor-{process.pid}-0123abcd.baker.creator-advisor-{process.pid}-89abcdef.tmp"
    leftover.write_text("half a report", encoding="utf-8")  # as a worker writing at the moment of the kill leaves
    source.write_text(source.read_text(encoding="utf-8").replace('"stuck"', '"unstuck"'), encoding="utf-8")
    result = run("batch", source, "--out", out, "-f", "md", "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert _hidden(out) == []


@posix_only
def test_sigkill_during_a_jsonl_run_then_resume_gives_every_plan_once(tmp_path):
    source, _ = _input(tmp_path, 80, {60: "stuck"})
    target = tmp_path / "plans.jsonl"
    process, _ = _start(tmp_path, source, "-o", target, "--jobs", "2")
    time.sleep(0.5)
    process.kill()
    process.communicate(timeout=30)
    assert not target.exists()
    assert _hidden(tmp_path) == []
    assert (tmp_path / "plans.jsonl.partial").exists() and (tmp_path / "plans.jsonl.resume").exists()
    result = run("batch", source, "-o", target, "--jobs", "2", "--resume")
    assert result.exit_code == 0, result.stderr
    assert "Resumed: the first" in result.stderr
    handles = [plan["profile"]["handle"] for plan in plan_lines(target)]
    assert handles == [json.loads(line)["handle"] for line in source.read_text(encoding="utf-8").splitlines()]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "plans.jsonl", "stuck.pids"]


def test_resume_refuses_a_changed_input_or_nothing_to_resume(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 3)
    target = tmp_path / "plans.jsonl"
    result = run("batch", source, "-o", target, "--resume")
    assert result.exit_code == 1
    assert f"{target}: nothing to resume" in result.stderr
    (tmp_path / "plans.jsonl.partial").write_text("", encoding="utf-8")
    (tmp_path / "plans.jsonl.resume").write_text('{"version": 1}\n', encoding="utf-8")
    result = run("batch", source, "-o", target, "--resume")
    assert result.exit_code == 1
    assert "the input or the options are not those of the interrupted run" in result.stderr
    assert run("batch", source, "--resume").exit_code == 2  # nothing to resume into: a usage error


@posix_only
def test_piped_input_on_a_terminal_is_read_once_with_a_bar_without_total(tmp_path, monkeypatch):
    """`cat x.jsonl | creator-advisor batch /dev/stdin -o out.jsonl` on a terminal: the bar must not consume the
    pipe (it did: 0 plans written, exit 0)."""
    source = tmp_path / "in.jsonl"
    handles = write_jsonl(source, 40)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)

    def feed() -> None:
        with open(pipe, "wb") as stream:
            stream.write(source.read_bytes())
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    monkeypatch.setattr(batch_command, "_is_terminal", lambda stream: True)
    target = tmp_path / "out.jsonl"
    result = run("batch", pipe, "-o", target, "--jobs", "2")
    writer.join(30)
    assert result.exit_code == 0, result.stderr
    assert [plan["profile"]["handle"] for plan in plan_lines(target)] == handles
    assert "40 plans written" in result.stderr
    assert "Planning" in result.stderr and "%" not in result.stderr.split("40 plans written")[0]
