"""Many plans in one run, for agencies and networks: `creator-advisor batch`.

The input is streamed: a JSONL file is read a line at a time (a folder is listed, then read a file at a time), the
records go to worker processes in small chunks with a bounded number of chunks in flight, and each result is
written as soon as it is its turn, so output follows input order and memory does not grow with the input. Each
worker loads the rule pack once (the pool's initializer; under `fork` it inherits the pack the parent loaded to
check it). `jobs == 1`, or an input that fits in one chunk, plans in this process.

A record that fails (bad JSON, a profile error, even a bug) is reported as `FILE:LINE: message` and the run goes
on; the caller exits 1 when any failed. Outputs are whole or absent: `-o FILE.jsonl` is written to a temporary file
renamed over FILE at the end (an interrupted run leaves FILE as it was); each report of `--out DIR` is written by
the process that made it to a temporary file and renamed by this one (whole or absent; synced to disk once at
the end of the run rather than file by file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import re
import secrets
import signal
import stat
import sys
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Generator, Iterator, TextIO, cast

import click

from engine import EngineError

from .errors import AdvisorError, LocatedProblemsError, OutputError
from .terminal import safe_text

CHUNK = 16  # records per task: enough to make the cost of a round trip to a worker small, few enough to balance
IN_FLIGHT_PER_JOB = 3  # chunks queued per worker: keeps workers busy while bounding what is held in memory
MAX_LINE_BYTES = 10 * 1024 * 1024  # a profile file's limit (engine.Limits.max_bytes) applies to a line too
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
EXTENSIONS = {"md": "md", "html": "html", "json": "json"}


@dataclass(frozen=True)
class BatchOptions:
    input_path: str
    fmt: str = "json"
    out_dir: str | None = None
    output: str | None = None
    jobs: int | None = None
    rules: list[str] | None = None
    as_of: dt.date | None = None
    template: str | None = None  # a Jinja2 template file for every report (advisor.render.render_template)
    compact: bool = False  # JSON plans without what every plan repeats (advisor.compact)
    summary: str | None = None  # the agency's table, FILE.csv (advisor.summary_table)
    dask: str | None = None  # a Dask scheduler address or local[:N] (advisor.batch_dask)
    partition: int | None = None  # records per Dask task
    record_timeout: float | None = None  # seconds a record may take (None: batch_pool.DEFAULT_RECORD_TIMEOUT)
    resume: bool = False  # continue an interrupted -o FILE.jsonl run (advisor/batch_resume.py)
    engine: str | None = None  # "durable" or "python"; None: $CREATOR_ADVISOR_ENGINE, else the default


# --- records --------------------------------------------------------------------------------------------------------

Record = tuple[str, str, Any]  # (kind "line" | "file", where "input.jsonl:17" | path, raw bytes | None)


def jsonl_records(path: str) -> Iterator[Record]:
    """(where, line bytes) of each non-blank line, a line at a time; a line over the limit is a record that
    fails (its bytes are skipped, never held)."""
    name = str(path)
    with open(path, "rb") as stream:
        number = 0
        while True:
            line = stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := stream.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                    pass
                yield ("too-long", f"{name}:{number}", None)
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                yield ("line", f"{name}:{number}", line)


def folder_records(path: str) -> Iterator[Record]:
    """Each profile file of a folder (not its subfolders), in name order. The sorted listing is the one thing
    held for the whole run (a name per file)."""
    names = sorted(entry.name for entry in os.scandir(path)
                   if entry.name.lower().endswith(PROFILE_SUFFIXES) and not entry.name.startswith(".")
                   and entry.is_file())
    for name in names:
        yield ("file", os.path.join(path, name), None)


def records(path: str) -> Iterator[Record]:
    if os.path.isdir(path):
        return folder_records(path)
    from .csv_input import csv_records, is_csv

    return csv_records(path) if is_csv(path) else jsonl_records(path)


def count_records(path: str) -> int | None:
    """How many records the input holds (for the progress bar's length): non-blank lines, or profile files; None
    for a pipe or a device, which can be read only once (and is, by the run)."""
    if os.path.isdir(path):
        return sum(1 for _ in folder_records(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
    except OSError:
        return None
    from .csv_input import is_csv

    if is_csv(path):
        return sum(1 for _ in records(path))
    with open(path, "rb") as stream:
        return sum(1 for line in stream if line.strip())


# --- planning (in a worker, or in this process) ----------------------------------------------------------------------

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
    user's template; `compact` leaves out of JSON plans what every plan repeats (advisor.compact)."""
    if _WORKER.get("rules") != rules or _WORKER.get("engine") != engine or "advisor" not in _WORKER:
        from .api import Advisor

        _WORKER["advisor"] = Advisor(rules, engine=engine)
        _WORKER["rules"] = rules
        _WORKER["engine"] = engine
    _WORKER.update(fmt=fmt, as_of=as_of, folder=folder, prefix=prefix, template=template, compact=compact)
    return _WORKER["advisor"]


def plan_chunk(chunk: list[Record]) -> list[tuple[bool, str, str, Any, tuple[str, ...]]]:
    return [plan_record(record) for record in chunk]


def plan_record(record: Record) -> tuple[bool, str, str, Any, Any]:
    """(ok, where, handle, output (a JSONL line as bytes, else the report's text) or error lines, the plan's
    digest for the summary table and index (advisor.summary_table.plan_digest))."""
    kind, where, raw = record
    try:
        from .summary_table import plan_digest

        profile = _profile(kind, where, raw)
        plan = _WORKER["advisor"].advise(profile)
        data = plan.to_dict()
        digest = plan_digest(data)
        fmt = _WORKER["fmt"]
        if _WORKER.get("compact") and fmt in ("jsonl", "json"):
            from .compact import compact_plan

            data = compact_plan(data)
        text: str | bytes
        if fmt == "jsonl":  # encoded here, in the worker: the parent only writes the bytes
            text = (json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode()
        else:
            from .render import render, render_template

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
    from .importers import DuplicateKey, profile_from_record, unique_keys
    from .api import to_profile

    as_of = _WORKER["as_of"]
    if kind == "file":
        return to_profile(where, as_of=as_of)
    if kind == "too-long":
        raise AdvisorError(f"the line is longer than {MAX_LINE_BYTES:,} bytes, the limit for one profile")
    if kind == "invalid":  # a record its reader already found wrong (advisor.csv_input): `raw` says how
        raise AdvisorError(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AdvisorError(f"not valid UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})") \
            from None
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as error:
        raise AdvisorError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    except (ValueError, DuplicateKey):  # as `plan` refuses it in a .json file, said the same way
        from engine import SourceError
        from engine.json_source import parse_json_text

        try:
            parse_json_text(text, where)
        except SourceError as error:
            raise AdvisorError(f"{error.problem.message} (column {error.problem.column})") from None
        raise AdvisorError("not valid JSON") from None
    return profile_from_record(data, source=where, as_of=as_of)


def _write_temporary(text: str) -> str:
    """Write a report to a new temporary file of the run in the output folder (no sync: see FolderOutput.commit);
    its path."""
    return _write_temporary_in(Path(_WORKER["folder"]), _WORKER["prefix"], text)


def _write_temporary_in(folder: Path, prefix: str, text: str) -> str:
    from .output import write_temporary

    try:
        return str(write_temporary(folder, prefix, text, durable=False))
    except OSError as error:
        raise OutputError(f"{folder}: cannot write the reports: {error.strerror or error}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def plan_stream(source: Iterator[Record], jobs: int, record_timeout: float | None = None
                ) -> Generator[tuple[bool, str, str, Any, tuple[str, ...]], None, None]:
    """Results in input order. With jobs > 1, chunks go to worker processes (advisor/batch_pool.py: a record that
    runs longer than `record_timeout` seconds, or whose worker dies, fails alone and the run goes on); an input
    that fits in one chunk is planned here (starting workers would cost more), each record under a timer."""
    from .batch_pool import DEFAULT_RECORD_TIMEOUT, RecordPool, RecordTimeout, record_deadline, worker_failure

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


# --- outputs --------------------------------------------------------------------------------------------------------

class JsonlOutput:
    """Plans as JSON lines: to FILE, replaced whole at the end of the run and resumable if it stops
    (advisor/batch_resume.py); or straight to standard output, or through to a device or FIFO given as FILE
    (advisor/output.py)."""

    def __init__(self, path: str | None, input_path: str | None = None, resume_options: Any = None,
                 resume: bool = False):
        from .output import STREAM, existing_mode, folder_of, open_stream, output_kind

        self.path = Path(path) if path else None
        self.file: Any = None  # the ResumableJsonl of a FILE output
        self.resumed = 0
        if self.path is None:
            if resume:
                raise AdvisorError("--resume continues a run that writes -o FILE.jsonl; give the same -o FILE")
            self.stream: IO[bytes] = sys.stdout.buffer  # UTF-8 bytes whatever the locale, as `plan` writes
            return
        what = "the plans"
        kind = output_kind(self.path, [input_path] if input_path else [], what)
        try:
            if kind == STREAM:
                if resume:
                    raise AdvisorError(f"{self.path}: --resume needs a file to continue, not a device or FIFO")
                self.stream = os.fdopen(open_stream(self.path), "wb")
                return
            from .batch_resume import ResumableJsonl, input_identity

            folder_of(self.path, what)
            header = {"version": 1, **input_identity(input_path or "", resume), "options": resume_options}
            self.file = ResumableJsonl(self.path, header, existing_mode(self.path), resume)
            self.resumed = self.file.resumed
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write the plans: {error.strerror or error}") from None

    def write(self, handle: str, line: bytes) -> None:
        if self.file is not None:
            self.file.write(line)  # one plan, compact, UTF-8, with its newline (made by the worker)
        else:
            self.stream.write(line)

    def done(self, ok: bool) -> None:
        """A record finished (its plan written, or its failure reported): the point a resumed run starts after."""
        if self.file is not None:
            self.file.done(ok)

    def commit(self) -> str:
        try:
            if self.file is not None:
                self.file.commit()
                return str(self.path)
            self.stream.flush()
            if self.path is not None:
                self.stream.close()
        except OSError as error:
            where = self.path if self.path is not None else "standard output"
            raise OutputError(f"{where}: cannot write the plans: {error.strerror or error}") from None
        return "standard output" if self.path is None else str(self.path)

    def discard(self) -> None:
        """The run stopped: keep what --resume needs (and say so), close a stream."""
        if self.file is not None:
            hint = self.file.keep()
            self.file = None
            if hint:
                click.echo(hint, err=True)
        elif self.path is not None:
            try:
                self.stream.close()
            except OSError:
                pass


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})


def safe_name(handle: str) -> str:
    """A handle as a file name any filesystem takes: ASCII letters, digits, '.', '_' and '-', no leading dot, no
    Windows device name, at most 80 characters. A handle that loses letters on the way (non-Latin scripts, emoji)
    gets a short digest of itself after them, so two such handles never share a name ('creator-1a2b3c4d' when
    nothing Latin is left)."""
    decomposed = unicodedata.normalize("NFKD", handle)
    text = decomposed.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", text).strip("._-")[:80].rstrip("._-")
    lost = any(ord(char) > 127 and not unicodedata.combining(char) for char in decomposed)
    if lost:
        digest = hashlib.blake2b(handle.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
        name = f"{name[:71] or 'creator'}-{digest}"
    elif not name:
        name = "creator"
    if name.split(".")[0].lower() in _RESERVED:
        name = "_" + name
    return name


class NamesSeen:
    """Which file names this run has used, in fixed memory: a Bloom filter (1 MiB) of the names in lower case
    (case-insensitive filesystems). "Not seen" is certain, so a plan never overwrites another of the same run; a
    false "seen" (about one in 20,000 names at 100,000 plans) only adds a suffix the name did not need."""

    BITS = 8 * 1024 * 1024

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _positions(self, name: str) -> list[int]:
        digest = hashlib.blake2b(name.lower().encode("utf-8"), digest_size=16).digest()
        return [int.from_bytes(digest[i:i + 4], "little") % self.BITS for i in range(0, 16, 4)]

    def add_if_new(self, name: str) -> bool:
        positions = self._positions(name)
        if all(self.bits[p >> 3] & (1 << (p & 7)) for p in positions):
            return False
        for p in positions:
            self.bits[p >> 3] |= 1 << (p & 7)
        return True


class FolderOutput:
    """One file per plan in a folder, named from the handle, unique. The process that made a report wrote it to a
    temporary file of this run (`prefix`); `write` gives it its name with one rename, so the reports are written
    in parallel and each is whole or absent. `discard` removes the run's temporary files left by an interrupted
    run."""

    def __init__(self, folder: str, fmt: str, input_path: str | None = None, template: str | None = None):
        self.folder = Path(folder)
        if template:
            from .render import template_kind

            self.extension = template_kind(template)
        else:
            self.extension = EXTENSIONS[fmt]
        if input_path is not None and _same_file(input_path, folder):
            raise OutputError(f"{self.folder}: cannot write the reports into the input folder {input_path}: give "
                              "another folder")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{self.folder}: cannot create the folder: {error.strerror or error}") from None
        from .output import TEMPORARY_TAG, remove_stale_temporaries

        remove_stale_temporaries(self.folder)  # of a run killed before it could remove them
        self.seen = NamesSeen()
        self.prefix = f"{TEMPORARY_TAG}-{os.getpid()}-{secrets.token_hex(4)}"

    def write(self, handle: str, temporary: str) -> str:
        """Name the report written to `temporary` from `handle`; the file name it got."""
        base = safe_name(handle)
        if base.lower() == "index" or base.lower().startswith("index-"):
            base = "_" + base  # the run's index pages (advisor.batch_index) take these names
        name, number = base, 1
        while not self.seen.add_if_new(f"{name}.{self.extension}"):
            number += 1
            name = f"{base}-{number}"
        from .output import FILE, STREAM, keep_mode, output_kind

        target = self.folder / f"{name}.{self.extension}"
        try:
            kind = output_kind(target, (), "the report")
            if kind == STREAM:
                raise OutputError(f"{target}: cannot write the report: it is a device or FIFO, not a file")
            if kind == FILE:
                keep_mode(Path(temporary), target)
            os.replace(temporary, target)
        except OSError as error:
            raise OutputError(f"{target}: cannot write the report: {error.strerror or error}") from None
        return target.name

    def commit(self) -> str:
        """The reports were written without a sync each: one sync makes them all durable before the run reports
        success. A report a worker was writing when it was stopped (--record-timeout) is removed."""
        self.discard()
        if hasattr(os, "sync"):
            os.sync()
        return str(self.folder)

    def discard(self) -> None:
        for leftover in self.folder.glob(f".{self.prefix}.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass


def _same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False


# --- the run ---------------------------------------------------------------------------------------------------------

def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_batch(options: BatchOptions, err: IO[str] | None = None) -> int:
    """Run a batch; returns the number of records that failed. Raises AdvisorError / EngineError for what stops
    the whole run (a broken rule pack, an unwritable output), in which case no JSONL output is left behind."""
    err = err or sys.stderr
    started = time.perf_counter()
    fmt = "jsonl" if options.fmt == "json" and not options.out_dir else options.fmt
    if options.output and not options.out_dir:  # the engine by name, recorded for --resume (batch_resume.py)
        from .batch_resume import run_engine

        options = replace(options, engine=run_engine(options.output, options.engine, options.resume))
    settings: dict[str, Any] = dict(rules=options.rules, fmt=fmt, as_of=options.as_of, engine=options.engine,
                                    template=options.template, compact=options.compact)
    # A broken pack, or an engine that cannot run here, stops the run before any output.
    load_advisor(**settings)
    if options.template:
        _check_template(options.template)
    source = records(options.input_path)  # a CSV header that is not one stops the run here, before any output
    dask = None
    if options.dask:
        from .batch_dask import PARTITION, DaskRun

        dask = DaskRun(options.dask, settings, partition=options.partition or PARTITION)
    jobs = options.jobs or default_jobs()
    outputs: list[Any] = []
    try:
        output: JsonlOutput | FolderOutput = (
            FolderOutput(options.out_dir, options.fmt, options.input_path, options.template) if options.out_dir
            else JsonlOutput(options.output, options.input_path, _resume_options(options), options.resume))
        outputs.append(output)
        from .summary_table import StatusCounts, SummaryTable

        table = SummaryTable(options.summary, (options.input_path,)) if options.summary else None
        index = None
        if isinstance(output, FolderOutput):
            from .batch_index import BatchIndex

            index = BatchIndex(output.folder)
            load_advisor(**settings, folder=str(output.folder), prefix=output.prefix)
        outputs += [part for part in (table, index) if part is not None]
    except BaseException:
        for part in outputs:
            part.discard()
        if dask is not None:
            dask.close()
        raise
    written = failed = 0
    counts = StatusCounts()
    resumed: int = getattr(output, "resumed", 0)
    if resumed:  # records the interrupted run finished: read past, not planned again
        source = itertools.islice(source, resumed, None)
    if dask is not None:
        results = dask.plan_stream(source, output.folder if isinstance(output, FolderOutput) else None,
                                   getattr(output, "prefix", ""))
    else:
        results = plan_stream(source, jobs, options.record_timeout)
    try:
        with _progress(options.input_path, err) as bar:
            for ok, where, handle, payload, digest in results:
                if ok:
                    name = output.write(handle, payload)
                    written += 1
                    counts.add(digest)
                    if table is not None:
                        table.add(digest)
                    if index is not None and name is not None:
                        index.add(name, digest)
                else:
                    failed += 1
                    bar.clear_line()
                    for line in payload:
                        click.echo(safe_text(line), file=err)
                if isinstance(output, JsonlOutput):
                    output.done(ok)
                bar.update(1)
        if index is not None:
            index.commit()
        target = output.commit()
        if table is not None:
            table.commit()
    except BaseException:
        results.close()  # the pool stops first (its running chunks end), then their files are removed
        for part in outputs:
            part.discard()
        raise
    finally:
        results.close()  # stops the pool now, also when writing failed
        if dask is not None:
            dask.close()
    if resumed:
        click.echo(f"Resumed: the first {resumed:,} records were done by the interrupted run", file=err)
    how = (f"Dask, {dask.workers} worker{'s' if dask.workers != 1 else ''}" if dask is not None
           else f"{jobs} job{'s' if jobs != 1 else ''}")
    _summary(err, written, failed, counts, target, time.perf_counter() - started, how,
             dask.retried if dask is not None else None, options.summary)
    return failed


def _check_template(template: str) -> None:
    """A template that does not exist or does not compile stops the run before any output (not once a record)."""
    import jinja2

    from .errors import RenderError
    from .render import build_environment, template_kind

    path = Path(template)
    if not path.is_file():
        raise RenderError(f"{path}: cannot use it as a template: the file "
                          f"{'is a folder' if path.is_dir() else 'does not exist'}")
    try:
        build_environment(template_kind(path), search_path=path.resolve().parent).get_template(path.name)
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"{path}:{error.lineno}: template syntax error: {error.message}") from None
    except (jinja2.TemplateError, OSError, UnicodeDecodeError) as error:
        raise RenderError(f"{path}: cannot use it as a template: {error}") from None


def _summary(err: IO[str], written: int, failed: int, counts: Any, target: str, seconds: float, how: str,
             retried: int | None, table: str | None) -> None:
    plans = f"{written:,} plan{'s' if written != 1 else ''}"
    errors = f"{failed:,} record{'s' if failed != 1 else ''} failed"
    rate = f", {written / seconds:,.0f} plans/s" if seconds > 0 and written else ""
    click.echo(f"{plans} written to {safe_text(target)}, {errors} ({seconds:.1f} s, {how}{rate})", file=err)
    if retried:
        click.echo(f"{retried:,} partition{'s' if retried != 1 else ''} run again after a Dask worker was lost "
                   "(nothing lost, nothing written twice)", file=err)
    if table:
        click.echo(f"Summary table: {safe_text(table)}", file=err)
    for line in counts.lines(written):
        click.echo(safe_text(line), file=err)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Bar:
    """click's progress bar on a terminal (without a total when the input's length is not known); nothing when
    piped."""

    def __init__(self, total: int | None, err: IO[str], shown: bool = False):
        self.err = err
        self.bar: Any = None
        if total is not None:
            self.bar = click.progressbar(length=total, label="Planning", file=cast(TextIO, err), show_pos=True,
                                         show_eta=True)
        elif shown:  # a count of records done, no percentage or time left
            self.bar = click.progressbar(itertools.count(), label="Planning", file=cast(TextIO, err),
                                         show_pos=True)

    def __enter__(self) -> "_Bar":
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def clear_line(self) -> None:
        if self.bar is not None:
            self.err.write("\r\x1b[K")


def _progress(input_path: str, err: IO[str]) -> _Bar:
    """A bar on a terminal, none when piped. A regular file or a folder is counted first for the bar's length;
    a pipe (`cat x.jsonl | creator-advisor batch /dev/stdin`) is read once only, so its bar has no total."""
    if not _is_terminal(err):
        return _Bar(None, err)
    return _Bar(count_records(input_path), err, shown=True)


def _resume_options(options: BatchOptions) -> dict[str, Any]:
    """The options that decide a run's plans: a run is resumed only with the same."""
    return {"fmt": options.fmt, "rules": [os.path.abspath(folder) for folder in options.rules or ()],
            "as_of": options.as_of.isoformat() if options.as_of else None, "compact": options.compact,
            "engine": options.engine}
