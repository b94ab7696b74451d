"""The `import` and `batch` commands: TikTok's own data as a profile, and many plans in one run.

Registered on the `creator-advisor` group by `register_commands` (see advisor/cli/main/main.py). This module
imports nothing heavy at load time, so the other commands start as fast as before; `advisor.batch.run` does the work.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from typing import IO, Any, TextIO, cast

import click

from advisor.cli.common import FORMATS, PathType, echo, engine_option, overlay_option, pack_folders, rules_option
from advisor.cli.common import DateType as _Date
from advisor.cli.common import fail_cleanly as _fail_cleanly


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=PathType(dir_okay=False))
@click.option("--output", "-o", type=PathType(dir_okay=False), default=None,
              help="Write the profile (YAML) to this file, whole or not at all, instead of standard output.")
@click.option("--as-of", "as_of", type=_Date(), default=None,
              help="The day the data was fetched or exported (default: today, UTC).")
@click.option("--handle", default=None, help="The account's handle, when the sources do not name it (or to "
                                             "choose one account's videos from a Research API query).")
@_fail_cleanly
def import_command(sources: tuple[str, ...], output: str | None, as_of: dt.date | None,
                   handle: str | None) -> None:
    """Make one profile from TikTok's own data about one account: a Display API /v2/user/info/ response and its
    /v2/video/list/ pages, Research API responses or records, or the data export's user_data_tiktok.json.

    Warnings (what the data could not tell) go to standard error and into the profile's x-import-warnings, which
    the plan shows. `plan` and `batch` also read these JSON files directly."""
    from pathlib import Path

    from advisor.output import output_kind, write_whole
    from advisor.profile.importers import import_files, profile_yaml

    if output:
        output_kind(Path(output), sources)  # refused before the work: an input, a folder, a link...

    result = import_files(list(sources), as_of=as_of, handle=handle)
    text = profile_yaml(result)
    for warning in result.warnings:
        echo(f"Warning: {warning}", err=True)
    if output:
        write_whole(output, text, inputs=sources)
        echo(f"Wrote {output}", err=True)
    else:
        click.echo(text.encode("utf-8"), nl=False)


@click.command("batch")
@click.argument("input_path", metavar="INPUT", type=PathType(exists=True))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="json", show_default=True,
              help="Plan format. JSON plans can go to one JSONL file (-o) or standard output; Markdown and HTML "
                   "reports need --out DIR.")
@click.option("--out", "out_dir", type=PathType(file_okay=False), default=None,
              help="Write one file per plan into this folder (created if missing), named from the handle.")
@click.option("--output", "-o", type=PathType(dir_okay=False), default=None,
              help="Write every plan as one compact JSON line, in input order, to this JSONL file (whole or not "
                   "at all). Default: standard output.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores); 1 plans in this process.")
@rules_option
@overlay_option
@click.option("--as-of", "as_of", type=_Date(), default=None,
              help="Judge every profile on this date instead of its own as_of.")
@click.option("--record-timeout", "record_timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds one record may take before it fails and the run goes on (default: 300; not with --dask).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted -o FILE.jsonl run from where it stopped (same input and options; local "
                   "or --dask).")
@click.option("--template", "-t", type=PathType(dir_okay=False), default=None,
              help="Render every report through this Jinja2 template (as for `plan`); needs --out DIR.")
@click.option("--compact", is_flag=True,
              help="JSON plans without what every plan repeats (sources, notes, URLs): ids resolvable from "
                   "`creator-advisor rules docs --json`.")
@click.option("--summary", "summary", type=PathType(dir_okay=False), default=None,
              help="Also write a table, one row per creator (handle, followers, engagement, each programme's "
                   "status and main gap, next milestone, top action), to this CSV file.")
@click.option("--dask", "dask", metavar="ADDRESS|local[:N]", default=None,
              help="Run on a Dask cluster: a scheduler's address (tcp://HOST:8786), or local:N for N worker "
                   "processes on this machine. Needs pip install 'creator-advisor[dask]'.")
@click.option("--partition-size", "partition", type=click.IntRange(min=1, max=100_000), default=None,
              help="Records per Dask task (default 256).")
@engine_option
@_fail_cleanly
def batch_command(input_path: str, fmt: str, out_dir: str | None, output: str | None, jobs: int | None,
                  rules: tuple[str, ...], overlays: tuple[str, ...], as_of: dt.date | None,
                  record_timeout: float | None, resume: bool, template: str | None, compact: bool,
                  summary: str | None, dask: str | None, partition: int | None, engine: str | None) -> None:
    """Plan every profile in INPUT: a JSONL file (one profile, or one TikTok Research API record, a line), a CSV
    file with a header row of profile fields (handle,followers,age,country,...), or a folder of profile files
    (.yaml, .yml, .json). Memory stays flat however long the input is.

    A record that fails is reported as FILE:LINE: message (for CSV, the row as a spreadsheet numbers it, and the
    column) and the run goes on; a summary (plans written, errors, each programme's count of every status) ends
    the run on standard error. Exit code 1 if any record failed. With --out DIR, index.html and index.md link
    every report with its verdicts."""
    from advisor.batch.run import BatchOptions, run_batch

    if template and not out_dir:
        raise click.UsageError("--template writes one report per creator: give --out DIR")
    if compact and (fmt != "json" or template):
        raise click.UsageError("--compact is for JSON plans")
    if partition and not dask:
        raise click.UsageError("--partition-size is for --dask runs")
    if jobs and dask:
        raise click.UsageError("--jobs is for local runs; a Dask run uses the cluster's workers")
    if out_dir and output:
        raise click.UsageError("give --out DIR (one file per plan) or -o FILE.jsonl (one line per plan), not both")
    if output and fmt != "json":
        raise click.UsageError(f"-o writes JSON plans, one a line; for {fmt} reports give --out DIR")
    if not out_dir and not output and fmt != "json":
        raise click.UsageError(f"{fmt} reports are written one file per plan: give --out DIR")
    if resume and not output:
        raise click.UsageError("--resume continues a run that writes -o FILE.jsonl: give the same -o FILE")
    if dask and record_timeout:
        raise click.UsageError("--record-timeout is for local runs: a Dask worker runs its tasks in threads, which "
                               "cannot be stopped mid-record (a lost worker's partitions are run again instead)")
    from advisor.batch.pool import terminate_as_interrupt

    folders = [str(folder) for folder in pack_folders(rules, overlays)] if rules or overlays else None
    with terminate_as_interrupt():
        failed = run_batch(BatchOptions(input_path=input_path, fmt=fmt, out_dir=out_dir, output=output,
                                        jobs=jobs, rules=folders, as_of=as_of,
                                        record_timeout=record_timeout, resume=resume, template=template,
                                        compact=compact, summary=summary, dask=dask, partition=partition,
                                        engine=engine), progress=terminal_progress)
    if failed:
        sys.exit(1)


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


def terminal_progress(input_path: str, err: IO[str]) -> _Bar:
    """A bar on a terminal, none when piped. A regular file or a folder is counted first for the bar's length;
    a pipe (`cat x.jsonl | creator-advisor batch /dev/stdin`) is read once only, so its bar has no total."""
    if not _is_terminal(err):
        return _Bar(None, err)
    from advisor.batch.records import count_records

    return _Bar(count_records(input_path), err, shown=True)


def register_commands(group: click.Group) -> None:
    """Add `import` and `batch` to the creator-advisor command group."""
    group.add_command(import_command)
    group.add_command(batch_command)
