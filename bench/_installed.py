"""The installed package for the whole-command benchmarks (cold_start, end_to_end, memory), and the memory of a
whole process tree.

A benchmark of the command must time what a user runs: the console script of a package installed into a venv,
not this checkout put on sys.path. `installed(...)` returns such a venv: the one given (`--venv PATH`, used as it
is), else a venv this module keeps in the temporary folder and (re)installs from this checkout with
`pip install .` (a real, non-editable install) whenever the checkout's package files change. Commands run from an
empty temporary folder with PYTHONPATH unset, and `check_installed` proves the package is imported from the venv.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _data import ROOT

PACKAGE_PARTS = ("pyproject.toml", "engine", "advisor", "rules", "templates")
DEFAULT_VENV = Path(tempfile.gettempdir()) / "creator-advisor-bench-venv"


@dataclass
class Installed:
    venv: Path
    script: Path  # the creator-advisor console script
    python: Path
    where: str    # the folder the package is imported from

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env["VIRTUAL_ENV"] = str(self.venv)
        return env


def _source_stamp() -> str:
    digest = hashlib.sha256()
    for part in PACKAGE_PARTS:
        path = ROOT / part
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                      and "__pycache__" not in p.parts)
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def installed(venv: str | None = None, python: str | None = None, extras: str = "") -> Installed:
    """The venv to benchmark; builds or refreshes the default one from this checkout (a minute the first time:
    durable-rules compiles; pip's cache makes later installs quick). `extras` ("dask") are installed too, in a
    default venv of their own."""
    if venv:
        folder = Path(venv)
    else:
        folder = DEFAULT_VENV.with_name(DEFAULT_VENV.name + (f"-{extras}" if extras else ""))
        stamp_file = folder / "checkout-stamp"
        stamp = _source_stamp()
        if not (folder / "bin" / "python").exists():
            print(f"(creating {folder} for the installed package)", file=sys.stderr)
            subprocess.run([python or sys.executable, "-m", "venv", str(folder)], check=True)
        if not stamp_file.exists() or stamp_file.read_text() != stamp:
            print(f"(installing this checkout into {folder}: pip install .)", file=sys.stderr)
            for extra in (["--force-reinstall", "--no-deps"], []):  # this checkout's files, then what it needs
                target = f"{ROOT}[{extras}]" if extras and not extra else str(ROOT)
                completed = subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *extra,
                                            target], cwd=tempfile.gettempdir(), capture_output=True, text=True)
                if completed.returncode != 0:
                    raise SystemExit(f"pip install {ROOT} into {folder} failed: {completed.stderr[-600:]}")
            stamp_file.write_text(stamp)
    found = Installed(folder, folder / "bin" / "creator-advisor", folder / "bin" / "python", "")
    return check_installed(found)


def check_installed(found: Installed) -> Installed:
    """Refuses a venv whose package is this checkout (an editable install) or absent."""
    if not found.script.exists():
        raise SystemExit(f"{found.script} does not exist: is creator-advisor installed in {found.venv}?")
    with tempfile.TemporaryDirectory(prefix="bench-cwd-") as empty:
        completed = subprocess.run([str(found.python), "-c", "import advisor, os; print(os.path.dirname("
                                    "os.path.realpath(advisor.__file__)))"], cwd=empty, env=found.env(),
                                   capture_output=True, text=True)
    where = completed.stdout.strip()
    if completed.returncode != 0 or not where:
        raise SystemExit(f"the package does not import in {found.venv}: {completed.stderr.strip()[-300:]}")
    if Path(where).is_relative_to(ROOT.resolve()):
        raise SystemExit(f"{found.venv} imports the package from this checkout ({where}), an editable install; "
                         "give a venv with a real install, or none (one is built)")
    found.where = where
    return found


def run_timed(command: list[str], *, env: dict[str, str], cwd: str) -> tuple[subprocess.CompletedProcess, float,
                                                                            float]:
    """(completed process, wall seconds, CPU seconds of the whole tree: user + system of the command and every
    process it waited for, its workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return completed, seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@dataclass
class TreeMemory:
    peak_tree_mb: float      # the largest sum of RSS over the process and all its descendants at one sample
    peak_process_mb: float   # the largest RSS of any one of them at one sample
    processes: int           # how many processes the tree held at most
    samples: int
    peak_root_mb: float = 0.0   # the largest RSS of the command's own process (a batch's client)
    peak_child_mb: float = 0.0  # the largest RSS of any process below it (a worker)


def run_sampled(command: list[str], *, env: dict[str, str], cwd: str, interval: float = 0.01
                ) -> tuple[subprocess.CompletedProcess, float, TreeMemory]:
    """Run a command to its end, sampling every `interval` s the RSS of its whole process tree (the parent and
    its worker processes) with psutil. (completed process, wall seconds, memory). A peak shorter than the
    interval can be missed; the figure is a lower bound of the true peak."""
    try:
        import psutil
    except ImportError:
        raise SystemExit("psutil is needed for whole-process-tree memory: pip install -e '.[bench]'") from None
    started = time.perf_counter()
    process = psutil.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(0.0, 0.0, 0, 0)
    outputs: dict[str, str] = {}
    reader = threading.Thread(target=lambda: outputs.update(zip(("out", "err"), process.communicate())))
    reader.start()
    while reader.is_alive():
        try:
            members = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        sizes = []
        for member in members:
            try:
                sizes.append(member.memory_info().rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                sizes.append(0) if member is process else None
        if sizes:
            memory.peak_root_mb = max(memory.peak_root_mb, sizes[0] / 2**20)
            memory.peak_child_mb = max(memory.peak_child_mb, max(sizes[1:], default=0) / 2**20)
            memory.peak_tree_mb = max(memory.peak_tree_mb, sum(sizes) / 2**20)
            memory.peak_process_mb = max(memory.peak_process_mb, max(sizes) / 2**20)
            memory.processes = max(memory.processes, len(sizes))
            memory.samples += 1
        time.sleep(interval)
    reader.join()
    seconds = time.perf_counter() - started
    completed = subprocess.CompletedProcess(command, process.returncode, outputs.get("out", ""),
                                            outputs.get("err", ""))
    return completed, seconds, memory
