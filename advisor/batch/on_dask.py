"""`creator-advisor batch INPUT --dask ADDRESS|local[:N]`: the batch on a Dask cluster (`pip install
'creator-advisor[dask]'`, which brings dask[distributed]).

Why Dask and not more local processes: an agency's cluster (or a laptop's LocalCluster, the same code) gives
scheduling, worker loss recovery and a dashboard that a home-made pool would have to reinvent.

The records are read here, in the client, a line at a time, and sent in partitions (`partition` records each) with
a bounded number of partitions in flight or waiting for their turn (`window`): memory does not grow with the input,
on the client (at most `window` partitions of records and results) nor on the workers (each result is released as
soon as it is gathered). Results are written in input order. Each worker plans a partition with the batch's own
`plan_chunk` and the advisor it loaded once for its process (advisor.batch.work.load_advisor keeps it), so a plan is
the same bytes as the local batch's whatever the partitioning, and a failed record is reported by its line.

A worker lost mid-run (killed, out of memory, its machine gone) loses nothing: the scheduler runs the partitions
it held again on another worker. Each result is taken once from its future, so nothing is written twice. The
partitions run again are counted from the scheduler's own "remove-worker" events; a partition whose workers died
`distributed.scheduler.allowed-failures` + 1 times (Dask's KilledWorker) has its records reported as failed.

Paths are the client's: a folder input or a `--rules` folder must be readable at the same path on every worker
(a shared filesystem), as for any Dask job reading files.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, Generator, Iterator

from advisor.errors import AdvisorError

# Records per task. A task costs 10-20 ms of CPU across the client, the scheduler and the worker beyond planning
# its records (measured: 64 -> 256 records a task took 1.5 CPU-seconds off 10,000 plans, 64 -> 512 2.9 s), so
# 256 records (about a quarter of a second of planning) keep it to a few per cent; the window of partitions in
# flight then holds some 50 MB of plans at two workers.
PARTITION = 256
# Dask settings for this run's client, and for the workers of a LocalCluster it starts:
# - Dask keeps the last `low-level-log-length` messages of every connection for debugging, 1,000 by default; here
#   each is a partition of records, so the client would hold up to 1,000 partitions (about 400 MB at 256 records of
#   1.5 KB). 16 keep its memory flat whatever the input's length.
# - A nanny starts its worker with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand freed memory back to the
#   system after nearly every plan and take it again for the next: measured, it costs --jobs 2's workers half as
#   much CPU again (11.9 -> 18.1 CPU seconds for 10,000 plans). A plan frees what it took, so the workers' memory
#   stays flat at glibc's own threshold, as the local batch's workers do (None unsets it).
# - Each worker samples its own threads' stacks every 10 ms for the dashboard's profile; this run starts no
#   dashboard, and the sampling costs the planning thread some 7% (measured).
LOCAL_CONFIG = {"distributed.admin.low-level-log-length": 16,
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.worker.profile.enabled": False}
WINDOW_PER_WORKER = 4  # partitions in flight or waiting for their turn, per worker thread
CONNECT_TIMEOUT = 30  # seconds to reach a scheduler and see a worker, unless Dask's config says otherwise

Result = tuple[bool, str, str, Any, Any]

_LOCAL = re.compile(r"local(?::(\d+))?")


def missing_dask_message() -> str:
    return ("--dask needs Dask's distributed scheduler: pip install 'creator-advisor[dask]' "
            "(or pip install 'dask[distributed]')")


def parse_target(text: str) -> tuple[str, int | str]:
    """("local", N) for `local` (one worker per core) or `local:N`; ("address", text) for a scheduler address such
    as tcp://10.0.0.5:8786 or 10.0.0.5:8786."""
    match = _LOCAL.fullmatch(text.strip())
    if match:
        count = int(match.group(1)) if match.group(1) else 0
        if match.group(1) and count < 1:
            raise AdvisorError(f"--dask {text}: a local cluster needs at least 1 worker")
        return "local", count
    if not text.strip():
        raise AdvisorError("--dask needs a scheduler address (tcp://HOST:PORT) or local[:N]")
    return "address", text.strip()


def run_partition(chunk: list[Any], settings: dict[str, Any]) -> list[Result]:
    """The task each Dask worker runs: plan a partition of batch records with this process's advisor (loaded on
    the first partition, kept for the next ones). The same function as the local batch's workers run."""
    from advisor.batch.work import load_advisor, plan_chunk

    load_advisor(**settings)
    return plan_chunk(chunk)


class DaskRun:
    """A connection to a cluster for one batch run: `plan_stream` yields results in input order; `retried` counts
    the partitions run again after a worker was lost; `workers` is how many workers there were at the start."""

    def __init__(self, target: str, settings: dict[str, Any], *, partition: int = PARTITION,
                 window: int | None = None):
        try:
            import distributed
        except ImportError:
            raise AdvisorError(missing_dask_message()) from None
        self.distributed = distributed
        self.settings = dict(settings, folder=None)  # reports come back as text: workers may not share the disk
        self.partition = partition
        kind, value = parse_target(target)
        self.cluster: Any = None
        self.client: Any = None
        import dask.config
        from dask.utils import parse_timedelta

        timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", CONNECT_TIMEOUT)) \
            or CONNECT_TIMEOUT
        logging.getLogger("distributed").setLevel(logging.ERROR)  # a lost worker is reported by the run
        with dask.config.set(LOCAL_CONFIG):
            try:
                if kind == "local":
                    from advisor.batch.work import default_jobs

                    self.cluster = distributed.LocalCluster(
                        n_workers=int(value) or default_jobs(), threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                        local_directory=os.environ.get("TMPDIR") or None)
                    self.client = distributed.Client(self.cluster, set_as_default=False)
                else:
                    self.client = distributed.Client(str(value), timeout=timeout, set_as_default=False)
            except OSError as error:
                self.close()
                raise AdvisorError(f"--dask {target}: cannot reach the Dask scheduler: {error}") from None
            except (TimeoutError, ValueError) as error:
                self.close()
                raise AdvisorError(f"--dask {target}: cannot start or reach the cluster: {error}") from None
        try:
            self.client.wait_for_workers(1, timeout=max(timeout, CONNECT_TIMEOUT))
        except (TimeoutError, OSError):
            self.close()
            raise AdvisorError(f"--dask {target}: the scheduler has no worker (none joined in "
                               f"{max(timeout, CONNECT_TIMEOUT):.0f} s)") from None
        threads = sum(self.client.nthreads().values()) or 1
        self.workers = len(self.client.nthreads())
        self.window = window or max(4, WINDOW_PER_WORKER * threads)
        self.prefix = f"creator-advisor-{secrets.token_hex(6)}-"
        self.retried = 0

    def close(self) -> None:
        client, cluster = self.client, self.cluster
        self.client, self.cluster = None, None
        for part in (client, cluster):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001 - closing a half-broken connection must not hide the first error
                    pass

    def plan_stream(self, source: Iterator[Any], folder: Path | None = None,
                    prefix: str = "") -> Generator[Result, None, None]:
        """Results in input order, as advisor.batch.work.plan_stream gives them. With `folder`, each report's text is
        written here to a temporary file of the run (`prefix`), whose path is yielded for FolderOutput to name."""
        distributed = self.distributed
        client = self.client
        pending = distributed.as_completed(loop=client.loop)
        futures: dict[int, Any] = {}
        wheres: dict[int, list[str]] = {}
        done: dict[int, list[Result]] = {}
        submitted = written = 0
        exhausted = False
        try:
            while True:
                while not exhausted and len(futures) + len(done) < self.window:
                    chunk = [record for _, record in zip(range(self.partition), source)]
                    if not chunk:
                        exhausted = True
                        break
                    future = client.submit(run_partition, chunk, self.settings, key=f"{self.prefix}{submitted}",
                                           pure=False)
                    futures[submitted] = future
                    wheres[submitted] = [record[1] for record in chunk]
                    pending.add(future)
                    submitted += 1
                if written in done:
                    for result in done.pop(written):
                        yield self._local(result, folder, prefix)
                    del wheres[written]
                    written += 1
                    continue
                if not futures:
                    break
                future = next(pending)
                index = int(str(future.key)[len(self.prefix):])
                del futures[index]
                done[index] = self._gather(future, wheres[index])
                future.release()
        finally:
            for future in futures.values():
                future.cancel()
            self.retried = self._count_retried(submitted)

    def _gather(self, future: Any, wheres: list[str]) -> list[Result]:
        try:
            return future.result()
        except self.distributed.KilledWorker:
            return [(False, where, "", [f"{where}: not planned: the Dask workers planning it died "
                                        "repeatedly (the scheduler's allowed failures)"], None) for where in wheres]
        except Exception as error:  # noqa: BLE001 - one partition's failure must not lose the others' plans
            return [(False, where, "", [f"{where}: not planned: the Dask task failed: {type(error).__name__}: "
                                        f"{error}"], None) for where in wheres]

    def _local(self, result: Result, folder: Path | None, prefix: str) -> Result:
        ok, where, handle, payload, digest = result
        if ok and folder is not None:
            from advisor.batch.work import write_temporary_in

            payload = write_temporary_in(folder, prefix, payload)
        return ok, where, handle, payload, digest

    def _count_retried(self, submitted: int) -> int:
        """Our partitions that were running on, or whose results were held by, a worker the scheduler removed."""
        if self.client is None or not submitted:
            return 0
        try:
            events = self.client.get_events("all")
        except Exception:  # noqa: BLE001 - the count is a report, not worth failing a finished run
            return 0
        keys: set[str] = set()
        for _time, message in events:
            if isinstance(message, dict) and message.get("action") == "remove-worker":
                for key in (*message.get("processing-tasks", ()), *message.get("lost-computed-tasks", ())):
                    if isinstance(key, str) and key.startswith(self.prefix):
                        keys.add(key)
        return len(keys)
