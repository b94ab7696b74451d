"""`batch -o FILE.jsonl` that an interruption does not waste: `--resume` continues where the run stopped.

FILE itself is only ever replaced whole, at the end of a run. Until then the plans go to `FILE.partial`, and a
journal, `FILE.resume`, says after each record how far the run got: records of the input done, bytes of
`FILE.partial` they fill, plans written and records failed. Each record's plan reaches the file before its
journal line, both written straight to the kernel, so after Ctrl-C, SIGTERM or even SIGKILL of the run the
journal's last whole line never claims a plan that is not in the file.

`--resume` checks that the input (its size, modification time and inode) and the options are those of the
interrupted run, cuts `FILE.partial` back to what the journal's last line covers, skips that many records of the
input without planning them, and carries on. A run without `--resume` starts both files afresh. Both are visible
files beside FILE, not hidden temporaries: what an interrupted run leaves is there to be resumed or deleted, and
the next successful run removes it. A run holds a lock on `FILE.partial`, so two runs cannot write it at once.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError, OutputError
from engine import EngineError

MAX_HEADER_BYTES = 64 * 1024  # a journal's first line: the run's input and options, a few hundred bytes

_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def partial_paths(target: Path) -> tuple[Path, Path]:
    return target.with_name(target.name + ".partial"), target.with_name(target.name + ".resume")


def _lock(handle: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutputError(f"{path}: another batch run is writing it; wait for that run to finish") from None


def _open_regular(path: Path, mode: int | None) -> int:
    handle = os.open(path, _FLAGS, 0o666)
    status = os.fstat(handle)
    if not stat.S_ISREG(status.st_mode):
        os.close(handle)
        raise OutputError(f"{path}: cannot keep the run's progress there: it is not a regular file")
    if mode is not None:
        os.fchmod(handle, mode)
    return handle


class ResumableJsonl:
    """The plans of a `-o FILE.jsonl` run, with the journal that lets `--resume` continue it."""

    def __init__(self, target: Path, header: dict[str, Any], mode: int | None, resume: bool):
        self.target = target
        self.partial, self.journal = partial_paths(target)
        self.records = self.bytes = self.written = self.failed = 0
        self.resumed = 0  # records done by the interrupted run
        self.header = json.dumps(header, sort_keys=True)
        self.data = _open_regular(self.partial, mode)
        self.log = -1
        try:
            _lock(self.data, self.partial)
            if resume:
                self._continue()
            else:
                os.ftruncate(self.data, 0)
                self.log = _open_regular(self.journal, None)
                os.ftruncate(self.log, 0)
                os.write(self.log, (self.header + "\n").encode())
            os.lseek(self.data, self.bytes, os.SEEK_SET)
        except BaseException:
            self._close()
            raise

    def _continue(self) -> None:
        try:
            with open(self.journal, "rb") as stream:
                lines = stream.read().split(b"\n")
        except FileNotFoundError:
            raise AdvisorError(f"{self.target}: nothing to resume: there is no {self.journal.name} of an "
                               "interrupted run beside it") from None
        if not lines or lines[0].decode("utf-8", "replace") != self.header:
            raise AdvisorError(f"{self.target}: cannot resume: the input or the options are not those of the "
                               f"interrupted run ({self.journal.name}); run without --resume to start afresh")
        for line in reversed(lines[1:-1]):  # the last piece has no newline: a line cut short, or nothing
            parts = line.split()
            if len(parts) == 4 and all(part.isdigit() for part in parts):
                self.records, self.bytes, self.written, self.failed = map(int, parts)
                break
        if os.fstat(self.data).st_size < self.bytes:
            raise AdvisorError(f"{self.target}: cannot resume: {self.partial.name} is shorter than its journal "
                               "says; run without --resume to start afresh")
        os.ftruncate(self.data, self.bytes)
        self.resumed = self.records
        self.log = _open_regular(self.journal, None)
        os.ftruncate(self.log, sum(len(line) + 1 for line in lines[:-1]))
        os.lseek(self.log, 0, os.SEEK_END)

    def write(self, line: bytes) -> None:
        """One plan (its JSON line). `done` follows for its record."""
        view = memoryview(line)
        while view:
            view = view[os.write(self.data, view):]
        self.bytes += len(line)

    def done(self, ok: bool) -> None:
        """One more record of the input finished (its plan written, or its failure reported)."""
        self.records += 1
        if ok:
            self.written += 1
        else:
            self.failed += 1
        os.write(self.log, f"{self.records} {self.bytes} {self.written} {self.failed}\n".encode())

    def commit(self) -> None:
        """Make the plans FILE, whole, and forget the journal."""
        from advisor.output import sync_folder

        os.fsync(self.data)
        os.replace(self.partial, self.target)
        self._close()
        try:
            os.unlink(self.journal)
        except FileNotFoundError:
            pass
        sync_folder(self.target.parent if str(self.target.parent) else Path("."))

    def keep(self) -> str | None:
        """The run stopped: keep both files for --resume (a sentence saying so), or remove them if it did
        nothing."""
        self._close()
        if self.records == self.resumed:
            if self.records == 0:
                for path in (self.partial, self.journal):
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
            return None
        return (f"The run stopped after {self.records:,} record{'s' if self.records != 1 else ''}; they are kept in "
                f"{self.partial}. Give the same command with --resume to go on from there.")

    def _close(self) -> None:
        for handle in (self.data, self.log):
            if handle >= 0:
                try:
                    os.close(handle)
                except OSError:
                    pass
        self.data = self.log = -1


def run_engine(target: str | os.PathLike[str], asked: str | None, resume: bool) -> str:
    """The engine a run evaluates with, by name. A fresh run: the one asked for (`--engine`, else
    $CREATOR_ADVISOR_ENGINE, else the default; engine.choose_engine). A resumed run: the interrupted run's, read
    from its journal, so every plan of FILE comes from one engine; asking for another is refused, saying which.
    Raises EngineChoiceError for an engine that cannot run here, AdvisorError for a mismatch."""
    from engine import ENGINE_VARIABLE, choose_engine

    chosen = choose_engine(asked)
    if not resume:
        return chosen
    recorded = _recorded_engine(Path(target))
    if recorded is None:  # no journal, or one of another run: ResumableJsonl says so, naming the file
        return chosen
    explicit = asked if asked is not None else (os.environ.get(ENGINE_VARIABLE, "").strip() or None)
    if explicit is not None and chosen != recorded:
        how = "--engine" if asked is not None else ENGINE_VARIABLE
        raise AdvisorError(f"{target}: cannot resume with the {chosen} engine ({how}): the interrupted run used the "
                           f"{recorded} engine, and one file of plans comes from one engine. Resume with --engine "
                           f"{recorded}, or run without --resume to start afresh")
    try:
        return choose_engine(recorded)
    except EngineError as error:
        raise AdvisorError(f"{target}: cannot resume: the interrupted run used the {recorded} engine, which "
                           f"cannot run here ({error}); run without --resume to start afresh") from None


def _recorded_engine(target: Path) -> str | None:
    """The engine named in the journal of an interrupted run of `target`, or None (no journal, or unreadable)."""
    _, journal = partial_paths(target)
    try:
        with open(journal, "rb") as stream:
            first = stream.readline(MAX_HEADER_BYTES)
        header = json.loads(first)
    except (OSError, ValueError):
        return None
    options = header.get("options") if isinstance(header, dict) else None
    engine = options.get("engine") if isinstance(options, dict) else None
    return engine if isinstance(engine, str) else None


def input_identity(path: str, resume: bool) -> dict[str, Any]:
    """What must not change between a run and its resumption: the input file's size, modification time, inode.
    An input that is not a regular file (a pipe) cannot be resumed."""
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        if not resume:
            return {"input": os.path.abspath(path), "stream": True}
        raise AdvisorError(f"{path}: --resume needs an input file (a pipe or a folder cannot be read again from "
                           "where the run stopped)")
    return {"input": os.path.abspath(path), "size": status.st_size, "mtime_ns": status.st_mtime_ns,
            "inode": status.st_ino}
