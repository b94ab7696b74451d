"""The `diff` command: what changed between two plans (advisor.reports.diff does the work)."""

from __future__ import annotations

import datetime as dt

import click

from advisor.cli.common import DateType as _Date
from advisor.cli.common import engine_option, overlay_option, rules_option
from advisor.cli.common import fail_cleanly as _fail_cleanly


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, exists=True))
@click.argument("new", type=click.Path(dir_okay=False, exists=True))
@click.option("--format", "-f", "fmt", type=click.Choice(("md", "json")), default=None,
              help="Markdown (the default) or JSON; without it, what the -o file's name says.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the differences to this file instead of standard output.")
@rules_option
@overlay_option
@click.option("--as-of", "as_of", type=_Date(), default=None,
              help="Judge both profiles on this date instead of their own as_of (plans are taken as written).")
@engine_option
@_fail_cleanly
def diff_command(old: str, new: str, fmt: str | None, output: str | None, rules: tuple[str, ...],
                 overlays: tuple[str, ...], as_of: dt.date | None, engine: str | None) -> None:
    """What changed from OLD to NEW: programmes newly open or lost, thresholds crossed, gaps closed, numbers and
    actions. Each is a profile (judged with the rule pack) or a plan written with --format json."""
    from advisor.api import Advisor
    from advisor.errors import FormatError
    from advisor.reports.diff import diff_json, diff_markdown, diff_plans, plan_for_diff
    from advisor.reports.formats import format_for

    chosen = format_for(fmt, output)
    if chosen == "html":
        raise FormatError(f"diff writes Markdown or JSON, not HTML: name the output .md or .json, not {output!r}")
    advisor = Advisor(list(rules) or None, overlays=list(overlays) or None,  # for a side given as a profile
                      engine=engine)

    class _Dated:  # `plan_for_diff` calls advise(path); --as-of applies to both sides
        @staticmethod
        def advise(path):
            return advisor.advise(path, as_of=as_of)

    diff = diff_plans(plan_for_diff(old, _Dated), plan_for_diff(new, _Dated))
    text = diff_json(diff) if chosen == "json" else diff_markdown(diff)
    if output:
        from advisor.output import write_whole

        write_whole(output, text)
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text.encode("utf-8"), nl=False)
