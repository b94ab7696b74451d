"""Worker processes for `batch` that one bad record cannot stall, and that never outlive the run.

`concurrent.futures.ProcessPoolExecutor` cannot stop one task: a record that hangs holds its worker for ever, and a
worker killed by the OOM killer breaks the whole pool (every record in flight is lost and the run is abandoned).
Here each worker is a process of our own with a pipe to this one:

- it plans the records of a chunk one after another and sends each result as soon as it has it, so this process
  always knows which record a worker is on, and since when;
- a record still running after `record_timeout` seconds fails ("took longer than N s"): its worker is killed and
  replaced, and the rest of its chunk goes to another worker;
- a worker that dies (the OOM killer's SIGKILL, a crash in C code) fails the record it was on, reported by line,
  and the run goes on the same way;
- Ctrl-C, SIGTERM or an error in this process kills every worker at once (a worker stuck in C code does not
  delay it), and a worker whose parent dies without a word (SIGKILL) is killed by the kernel
  (`PR_SET_PDEATHSIG` on Linux) or, elsewhere, stops when its pipe closes.

Results come back in input order; the records read ahead and the results held for order are bounded, so memory
does not grow with the input.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generator, Iterator

from advisor.errors import AdvisorError

Result = tuple[Any, ...]  # (ok, where, ...) as advisor.batch.work.plan_record returns it
DEFAULT_RECORD_TIMEOUT = 300.0  # seconds: a plan takes milliseconds; only a record that hangs comes near


class RecordTimeout(AdvisorError):
    """A record planned in this process ran past --record-timeout (raised by the timer of `record_deadline`)."""


@contextmanager
def record_deadline(seconds: float | None) -> Iterator[None]:
    """Raise RecordTimeout in this process if the block runs longer than `seconds` (POSIX, main thread only: a
    timer signal; elsewhere no limit). Python code is stopped where it is; a hang inside C code is not, which is
    why records of a larger input go to worker processes, which can be killed."""
    usable = seconds is not None and seconds > 0 and hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise RecordTimeout(f"planning it took longer than {seconds:g} s (--record-timeout)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a container stopping) stops the block like Ctrl-C: the run's clean-up runs (workers
    stopped, temporary files removed, a resumable output kept) and the process exits with 143. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux); and if it already has, go now."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _worker_main(connection: Connection, parent: int, initializer: Callable[..., None], initargs: tuple[Any, ...],
                 plan: Callable[[Any], Result]) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops every worker
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    initializer(*initargs)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        for record in task:
            try:
                result = plan(record)
            except BaseException as error:  # an OutputError: the parent stops the run with it
                connection.send(("error", error))
                return
            connection.send(("done", result))


class _Worker:
    def __init__(self, context: Any, initializer: Callable[..., None], initargs: tuple[Any, ...],
                 plan: Callable[[Any], Result]):
        self.connection: Any
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, os.getpid(), initializer, initargs, plan),
                                       daemon=True)
        self.process.start()
        child.close()
        self.chunk: deque[tuple[int, Any]] = deque()  # (sequence number, record) still to be planned
        self.since = 0.0  # when the record it is on started

    def give(self, chunk: list[tuple[int, Any]]) -> None:
        """Send a chunk to a worker that holds none."""
        self.since = time.monotonic()
        self.chunk.extend(chunk)
        self.connection.send([record for _, record in chunk])

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()


def _why_stopped(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"


class RecordPool:
    """`jobs` worker processes planning records with `plan` (after `initializer(*initargs)` in each)."""

    def __init__(self, jobs: int, initializer: Callable[..., None], initargs: tuple[Any, ...],
                 plan: Callable[[Any], Result], failure: Callable[[Any, str], Result],
                 record_timeout: float | None = DEFAULT_RECORD_TIMEOUT, chunk: int = 16):
        """`failure(record, message)` is the result of a record that hung or whose worker died."""
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.jobs, self.initializer, self.initargs, self.plan = jobs, initializer, initargs, plan
        self.failure, self.timeout, self.chunk_size = failure, record_timeout, chunk
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        worker = _Worker(self.context, self.initializer, self.initargs, self.plan)
        self.workers.append(worker)
        return worker

    def results(self, source: Iterator[Any]) -> Generator[Result, None, None]:
        """The result of every record of `source`, in order."""
        waiting: deque[tuple[int, Any]] = deque()  # records read, not yet given to a worker
        done: dict[int, Result] = {}
        next_out = read = 0
        exhausted = False
        ahead = self.jobs * 3 * self.chunk_size  # records read ahead of the first one not yet returned
        try:
            for _ in range(self.jobs):
                self._start()
            while True:
                while not exhausted and len(waiting) < self.chunk_size * self.jobs and read - next_out < ahead:
                    try:
                        waiting.append((read, next(source)))
                    except StopIteration:
                        exhausted = True
                        break
                    read += 1
                # A worker is given a chunk only when it has none: it is then reading its pipe, so a send never
                # blocks (a worker busy planning, or hung, while its pipe fills both ways would deadlock the two).
                for worker in list(self.workers):
                    if waiting and not worker.chunk:
                        if not worker.process.is_alive():  # found dead here rather than by `_wait`
                            worker.process.join(1)
                            self._replace(worker, f"the worker process planning it stopped "
                                                  f"({_why_stopped(worker.process)})", waiting, done)
                            continue
                        worker.give([waiting.popleft() for _ in range(min(self.chunk_size, len(waiting)))])
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
                busy = [worker for worker in self.workers if worker.chunk]
                if not busy:
                    if exhausted and not waiting:
                        return
                    continue
                self._wait(busy, waiting, done)
        finally:
            self.close()

    def _wait(self, busy: list[_Worker], waiting: deque[tuple[int, Any]],
              done: dict[int, Result]) -> None:
        """Take what the busy workers sent; fail and replace a worker that hung or died."""
        now = time.monotonic()
        timeout = None
        if self.timeout is not None:
            timeout = max(0.0, min(worker.since + self.timeout for worker in busy) - now)
        pipes = {worker.connection: worker for worker in busy}
        sentinels = {worker.process.sentinel: worker for worker in busy}
        ready = wait([*pipes, *sentinels], timeout)
        stopped: dict[_Worker, str] = {}
        for handle in ready:
            if handle in pipes:
                worker = pipes[handle]
                connection: Any = worker.connection
                try:
                    while worker.chunk and connection.poll():
                        kind, payload = connection.recv()
                        if kind == "error":
                            raise payload
                        number, _ = worker.chunk.popleft()
                        done[number] = payload
                        worker.since = time.monotonic()
                except (EOFError, OSError):
                    worker.process.join(1)
                    stopped[worker] = f"the worker process planning it stopped ({_why_stopped(worker.process)})"
            else:
                worker = sentinels[handle]
                if worker.chunk:
                    worker.process.join(1)
                    stopped.setdefault(worker, f"the worker process planning it stopped "
                                               f"({_why_stopped(worker.process)})")
        if self.timeout is not None:
            now = time.monotonic()
            for worker in busy:
                if worker.chunk and worker not in stopped and now - worker.since >= self.timeout:
                    stopped[worker] = f"planning it took longer than {self.timeout:g} s (--record-timeout); its " \
                                      "worker process was stopped"
        for worker, why in stopped.items():
            self._replace(worker, why, waiting, done)

    def _replace(self, worker: _Worker, why: str, waiting: deque[tuple[int, Any]],
                 done: dict[int, Result]) -> None:
        """Fail the record `worker` was on, put the rest of its chunk back first in line, start another worker."""
        while worker.chunk and worker.connection is not None:
            try:
                if not worker.connection.poll():
                    break
                kind, payload = worker.connection.recv()
            except (EOFError, OSError):
                break
            if kind != "done":
                break
            number, _ = worker.chunk.popleft()
            done[number] = payload  # finished before it stopped
        worker.kill()
        self.workers.remove(worker)
        if worker.chunk:
            number, record = worker.chunk.popleft()
            done[number] = self.failure(record, why)
            waiting.extendleft(reversed(worker.chunk))
        self._start()

    def close(self) -> None:
        """Stop every worker now (a stuck one included) and wait for each to be gone."""
        for worker in self.workers:
            try:
                worker.process.kill()
            except (OSError, ValueError, AttributeError):
                pass
        for worker in self.workers:
            try:
                worker.process.join(5)
                worker.connection.close()
            except (OSError, ValueError, AttributeError):
                pass
        self.workers = []


def worker_failure(record: Any, message: str) -> Result:
    """The result of a record whose planning hung or whose worker died, in advisor.batch.work's result shape."""
    return False, record[1], "", [f"{record[1]}: {message}"], ()

