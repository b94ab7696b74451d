"""The work of a batch, record by record: load the advisor once per process, plan a record into its output
(a JSON line, or a report written to a temporary file in the output folder), and stream the results in input
order, here or through worker processes (advisor.batch.pool). Dask's workers run the same functions
(advisor.batch.on_dask), so a plan is the same bytes however the batch is run."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import signal
from pathlib import Path
from typing import Any, Generator, Iterator

from advisor.batch.records import MAX_LINE_BYTES, Record
from advisor.errors import AdvisorError, LocatedProblemsError, OutputError
from engine import EngineError

CHUNK = 16  # records per task: enough to make the cost of a round trip to a worker small, few enough to balance
IN_FLIGHT_PER_JOB = 3  # chunks queued per worker: keeps workers busy while bounding what is held in memory

def default_jobs() -> int:
    """The processors this process may run on (its affinity), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_WORKER: dict[str, Any] = {}


def init_worker(rules: list[str] | None, fmt: str, as_of: dt.date | None, folder: str | None = None,
                prefix: str = "", engine: str | None = None, template: str | None = None,
                compact: bool = False) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle (it stops the pool); then load the advisor."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_advisor(rules, fmt, as_of, folder, prefix, engine, template, compact)


def load_advisor(rules: list[str] | None, fmt: str, as_of: dt.date | None, folder: str | None = None,
                 prefix: str = "", engine: str | None = None, template: str | None = None,
                 compact: bool = False) -> Any:
    """Hold the advisor (the rule pack, loaded once per process) and the options. The parent loads it first, so a
    broken pack is one clean error before any worker starts, and a worker forked from it keeps that pack.

    `fmt` is "md", "html", "json" (a JSON file per plan, indented) or "jsonl" (one compact line per plan). With
    `folder`, each report is written there by the process that made it, under a temporary name starting with
    `prefix`, and the parent gives it its name (see FolderOutput). `template` renders every report through a
    user's template; `compact` leaves out of JSON plans what every plan repeats (advisor.plan.compact)."""
    if _WORKER.get("rules") != rules or _WORKER.get("engine") != engine or "advisor" not in _WORKER:
        from advisor.api import Advisor

        _WORKER["advisor"] = Advisor(rules, engine=engine)
        _WORKER["rules"] = rules
        _WORKER["engine"] = engine
    _WORKER.update(fmt=fmt, as_of=as_of, folder=folder, prefix=prefix, template=template, compact=compact)
    return _WORKER["advisor"]


def plan_chunk(chunk: list[Record]) -> list[tuple[bool, str, str, Any, tuple[str, ...]]]:
    return [plan_record(record) for record in chunk]


def plan_record(record: Record) -> tuple[bool, str, str, Any, Any]:
    """(ok, where, handle, output (a JSONL line as bytes, else the report's text) or error lines, the plan's
    digest for the summary table and index (advisor.reports.summary_table.plan_digest))."""
    kind, where, raw = record
    try:
        from advisor.reports.summary_table import plan_digest

        profile = _profile(kind, where, raw)
        plan = _WORKER["advisor"].advise(profile)
        data = plan.to_dict()
        digest = plan_digest(data)
        fmt = _WORKER["fmt"]
        if _WORKER.get("compact") and fmt in ("jsonl", "json"):
            from advisor.plan.compact import compact_plan

            data = compact_plan(data)
        text: str | bytes
        if fmt == "jsonl":  # encoded here, in the worker: the parent only writes the bytes
            from advisor.reports.render import render_json

            text = render_json(data, compact=True).encode()
        else:
            from advisor.reports.render import render
            from advisor.reports.user_template import render_template

            report = (render_template(data, _WORKER["template"]) if _WORKER.get("template")
                      else render(data, fmt))
            text = report if _WORKER["folder"] is None else _write_temporary(report)  # written in parallel here
        return True, where, profile.handle, text, digest
    except OutputError:
        raise  # the output cannot be written: that stops the whole run, it is not this record's fault
    except LocatedProblemsError as error:
        return False, where, "", [str(problem) if problem.file == where or problem.file.startswith(where)
                                  else f"{where}: {problem}" for problem in error.problems], ()
    except (AdvisorError, EngineError) as error:
        return False, where, "", [f"{where}: {error}"], ()
    except RecursionError:
        return False, where, "", [f"{where}: nesting is too deep"], ()
    except Exception as error:  # a bug must not lose the other records' plans: report it with its record
        return False, where, "", [f"{where}: internal error: {type(error).__name__}: {error}"], ()


def _profile(kind: str, where: str, raw: Any) -> Any:
    from advisor.api import to_profile
    from advisor.profile.importers import profile_from_record
    from engine.documents import DuplicateKey, no_json_constant, unique_keys

    as_of = _WORKER["as_of"]
    if kind == "file":
        return to_profile(where, as_of=as_of)
    if kind == "too-long":
        raise AdvisorError(f"the line is longer than {MAX_LINE_BYTES:,} bytes, the limit for one profile")
    if kind == "invalid":  # a record its reader already found wrong (advisor.profile.csv_input): `raw` says how
        raise AdvisorError(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AdvisorError(f"not valid UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})") \
            from None
    try:
        data = json.loads(text, parse_constant=no_json_constant, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as error:
        raise AdvisorError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    except (ValueError, DuplicateKey):  # as `plan` refuses it in a .json file, said the same way
        from engine import SourceError
        from engine.documents import parse_json_text

        try:
            parse_json_text(text, where)
        except SourceError as error:
            raise AdvisorError(f"{error.problem.message} (column {error.problem.column})") from None
        raise AdvisorError("not valid JSON") from None
    return profile_from_record(data, source=where, as_of=as_of)


def _write_temporary(text: str) -> str:
    """Write a report to a new temporary file of the run in the output folder (no sync: see FolderOutput.commit);
    its path."""
    return write_temporary_in(Path(_WORKER["folder"]), _WORKER["prefix"], text)


def write_temporary_in(folder: Path, prefix: str, text: str) -> str:
    from advisor.output import write_temporary

    try:
        return str(write_temporary(folder, prefix, text, durable=False))
    except OSError as error:
        raise OutputError(f"{folder}: cannot write the reports: {error.strerror or error}") from None


def plan_stream(source: Iterator[Record], jobs: int, record_timeout: float | None = None
                ) -> Generator[tuple[bool, str, str, Any, tuple[str, ...]], None, None]:
    """Results in input order. With jobs > 1, chunks go to worker processes (advisor/batch_pool.py: a record that
    runs longer than `record_timeout` seconds, or whose worker dies, fails alone and the run goes on); an input
    that fits in one chunk is planned here (starting workers would cost more), each record under a timer."""
    from advisor.batch.pool import DEFAULT_RECORD_TIMEOUT, RecordPool, RecordTimeout, record_deadline, worker_failure

    timeout = DEFAULT_RECORD_TIMEOUT if record_timeout is None else record_timeout
    first = _take(source, CHUNK)
    if jobs <= 1 or len(first) < CHUNK:
        chunk = first
        while chunk:
            for record in chunk:
                try:
                    with record_deadline(timeout):
                        result = plan_record(record)
                except RecordTimeout as error:
                    result = worker_failure(record, str(error))
                yield result
            chunk = _take(source, CHUNK)
        return
    options = (_WORKER["rules"], _WORKER["fmt"], _WORKER["as_of"], _WORKER["folder"], _WORKER["prefix"],
               _WORKER["engine"], _WORKER["template"], _WORKER["compact"])
    pool = RecordPool(jobs, init_worker, options, plan_record, worker_failure, timeout, CHUNK)
    yield from pool.results(itertools.chain(first, source))


def _take(source: Iterator[Record], count: int) -> list[Record]:
    chunk = []
    for record in source:
        chunk.append(record)
        if len(chunk) == count:
            break
    return chunk
