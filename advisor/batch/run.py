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
import itertools
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Callable, Protocol

from advisor.batch.outputs import FolderOutput, JsonlOutput
from advisor.batch.records import records
from advisor.batch.work import default_jobs, load_advisor, plan_stream
from advisor.terminal import safe_text


class Progress(Protocol):
    """What the run tells about its progress: the command line shows a bar on a terminal (advisor/cli/main/batch.py);
    a library caller gets none unless it passes its own."""

    def __enter__(self) -> "Progress": ...

    def __exit__(self, *exc: Any) -> None: ...

    def update(self, count: int) -> None: ...

    def clear_line(self) -> None: ...


class NoProgress:
    """No progress shown."""

    def __enter__(self) -> "NoProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def update(self, count: int) -> None:
        pass

    def clear_line(self) -> None:
        pass


def _say(err: IO[str], line: str) -> None:
    print(line, file=err, flush=True)


@dataclass(frozen=True)
class BatchOptions:
    input_path: str
    fmt: str = "json"
    out_dir: str | None = None
    output: str | None = None
    jobs: int | None = None
    rules: list[str] | None = None
    as_of: dt.date | None = None
    template: str | None = None  # a Jinja2 template file for every report (advisor.reports.user_template.render_template)
    compact: bool = False  # JSON plans without what every plan repeats (advisor.plan.compact)
    summary: str | None = None  # the agency's table, FILE.csv (advisor.reports.summary_table)
    dask: str | None = None  # a Dask scheduler address or local[:N] (advisor.batch.on_dask)
    partition: int | None = None  # records per Dask task
    record_timeout: float | None = None  # seconds a record may take (None: batch_pool.DEFAULT_RECORD_TIMEOUT)
    resume: bool = False  # continue an interrupted -o FILE.jsonl run (advisor/batch/resume.py)
    engine: str | None = None  # "durable" or "python"; None: $CREATOR_ADVISOR_ENGINE, else the default


def run_batch(options: BatchOptions, err: IO[str] | None = None,
              progress: Callable[[str, IO[str]], Progress] | None = None) -> int:
    """Run a batch; returns the number of records that failed. Raises AdvisorError / EngineError for what stops
    the whole run (a broken rule pack, an unwritable output), in which case no JSONL output is left behind.
    Failed records and the closing summary are written to `err`; `progress(input_path, err)`, when given, makes
    what shows the run's progress."""
    err = err or sys.stderr
    started = time.perf_counter()
    fmt = "jsonl" if options.fmt == "json" and not options.out_dir else options.fmt
    if options.output and not options.out_dir:  # the engine by name, recorded for --resume (batch/resume.py)
        from advisor.batch.resume import run_engine

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
        from advisor.batch.on_dask import PARTITION, DaskRun

        dask = DaskRun(options.dask, settings, partition=options.partition or PARTITION)
    jobs = options.jobs or default_jobs()
    outputs: list[Any] = []
    try:
        output: JsonlOutput | FolderOutput = (
            FolderOutput(options.out_dir, options.fmt, options.input_path, options.template) if options.out_dir
            else JsonlOutput(options.output, options.input_path, _resume_options(options), options.resume))
        outputs.append(output)
        from advisor.reports.summary_table import StatusCounts, SummaryTable

        table = SummaryTable(options.summary, (options.input_path,)) if options.summary else None
        index = None
        if isinstance(output, FolderOutput):
            from advisor.reports.index import BatchIndex

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
        with (progress or _no_progress)(options.input_path, err) as bar:
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
                        _say(err, safe_text(line))
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
        _say(err, f"Resumed: the first {resumed:,} records were done by the interrupted run")
    how = (f"Dask, {dask.workers} worker{'s' if dask.workers != 1 else ''}" if dask is not None
           else f"{jobs} job{'s' if jobs != 1 else ''}")
    _summary(err, written, failed, counts, target, time.perf_counter() - started, how,
             dask.retried if dask is not None else None, options.summary)
    return failed


def _check_template(template: str) -> None:
    """A template that does not exist or does not compile stops the run before any output (not once a record)."""
    import jinja2

    from advisor.errors import RenderError
    from advisor.reports.user_template import template_kind, user_environment

    path = Path(template)
    if not path.is_file():
        raise RenderError(f"{path}: cannot use it as a template: the file "
                          f"{'is a folder' if path.is_dir() else 'does not exist'}")
    try:
        user_environment(template_kind(path), path.resolve().parent).get_template(path.name)
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"{path}:{error.lineno}: template syntax error: {error.message}") from None
    except (jinja2.TemplateError, OSError, UnicodeDecodeError) as error:
        raise RenderError(f"{path}: cannot use it as a template: {error}") from None


def _summary(err: IO[str], written: int, failed: int, counts: Any, target: str, seconds: float, how: str,
             retried: int | None, table: str | None) -> None:
    plans = f"{written:,} plan{'s' if written != 1 else ''}"
    errors = f"{failed:,} record{'s' if failed != 1 else ''} failed"
    rate = f", {written / seconds:,.0f} plans/s" if seconds > 0 and written else ""
    _say(err, f"{plans} written to {safe_text(target)}, {errors} ({seconds:.1f} s, {how}{rate})")
    if retried:
        _say(err, f"{retried:,} partition{'s' if retried != 1 else ''} run again after a Dask worker was lost "
             "(nothing lost, nothing written twice)")
    if table:
        _say(err, f"Summary table: {safe_text(table)}")
    for line in counts.lines(written):
        _say(err, safe_text(line))


def _no_progress(input_path: str, err: IO[str]) -> Progress:
    return NoProgress()


def _resume_options(options: BatchOptions) -> dict[str, Any]:
    """The options that decide a run's plans: a run is resumed only with the same."""
    return {"fmt": options.fmt, "rules": [os.path.abspath(folder) for folder in options.rules or ()],
            "as_of": options.as_of.isoformat() if options.as_of else None, "compact": options.compact,
            "engine": options.engine}
