"""`creator-advisor plan`: one creator's plan, as a report (Markdown, HTML, JSON or a user's template) or, on a
terminal with no format asked for, as a short summary."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, Mapping, Sequence

import click

from advisor.cli.common import (
    FORMATS,
    PathType,
    echo,
    engine_option,
    overlay_option,
    rules_option,
)
from advisor.cli.common import DateType as _Date
from advisor.cli.common import fail_cleanly as _fail_cleanly


@click.command()
@click.argument("profile", type=PathType(dir_okay=False))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format: Markdown, a self-contained HTML page, or JSON (the stable contract). Default: "
                   "what the -o file's name says (plan.html, plan.json), else Markdown. Without --format and -o, a "
                   "terminal gets a short summary instead of the report.")
@click.option("--output", "-o", type=PathType(dir_okay=False), default=None,
              help="Write the report to this file (whole or not at all) instead of standard output.")
@click.option("--template", "-t", type=PathType(dir_okay=False), default=None,
              help="Render the plan through this Jinja2 template instead (sandboxed; HTML-escaped when the file "
                   "is named .html or .html.j2). See docs/templates.md.")
@rules_option
@overlay_option
@click.option("--as-of", "as_of", type=_Date(), default=None,
              help="Judge the profile on this date instead of the profile's own as_of.")
@click.option("--fix", "fix", is_flag=True,
              help="First write into PROFILE the corrections that are certain (a handle written '@maya', a "
                   "country written 'us' or 'UK'), keeping the rest of the file as it is.")
@click.option("--explain", is_flag=True,
              help="Add the appendix: every requirement with its source, and the rules that fired with the facts "
                   "they matched.")
@engine_option
@_fail_cleanly
def plan(profile: str, fmt: str | None, output: str | None, template: str | None, rules: tuple[str, ...],
         overlays: tuple[str, ...], as_of: dt.date | None, explain: bool, fix: bool, engine: str | None) -> None:
    """Write the action plan for the creator described in PROFILE (YAML or JSON)."""
    from advisor.api import Advisor, render, render_template
    from advisor.reports.formats import format_for

    if template and fmt:
        raise click.UsageError("--template and --format cannot be used together: the template decides the format")
    inputs = [profile, *([template] if template else [])]
    if output:
        from pathlib import Path

        from advisor.output import output_kind

        output_kind(Path(output), inputs)  # refused before the work: an input, a folder, a link...
    chosen = None if template else format_for(fmt, output)
    if fix:
        from advisor.profile.fix import fix_profile_file

        for change in fix_profile_file(profile):
            echo(f"Fixed {profile}: {change}", err=True)
    result = Advisor(list(rules) or None, overlays=list(overlays) or None, engine=engine).advise(profile, as_of=as_of)
    if not (fmt or output or template or explain):
        # Imported only when the summary may be shown: a report does not wait for the summary's own imports.
        from advisor.reports import summary

        if summary.stdout_is_terminal():
            _print_summary(result.to_dict(), profile=profile, rules=rules, overlays=overlays, as_of=as_of)
            return
    report = render_template(result, template) if template else render(result, chosen or "md", explain=explain)
    if output:
        from advisor.output import write_whole

        write_whole(output, report, inputs=inputs)
        echo(f"Wrote {output}", err=True)
    else:
        # The report is UTF-8 whatever the terminal's locale (the HTML declares it): `plan > FILE` must give the same
        # bytes as `-o FILE`, and a latin-1 or cp1252 stdout must not turn a finished plan into a traceback.
        click.echo(report.encode("utf-8"), nl=False)  # bytes: click writes them to the binary stream as they are


def _print_summary(plan: Mapping[str, Any], *, profile: str, rules: Sequence[str] = (),
                  overlays: Sequence[str] = (), as_of: dt.date | None = None) -> None:
    """Print the summary to standard output, coloured unless NO_COLOR is set. `profile`, `rules` and `as_of` are
    what the command was given, repeated in the hint so the full report is of the same plan. Characters the
    terminal's encoding cannot show are replaced, so a plan never fails to print."""
    command = [profile, *(part for folder in rules for part in ("--rules", folder)),
               *(part for folder in overlays for part in ("--overlay", folder))]
    if as_of is not None:
        command += ["--as-of", as_of.isoformat()]
    from advisor.reports.summary import colour_wanted, terminal_summary

    colour = colour_wanted()
    text = terminal_summary(plan, command=command, colour=colour)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text = text.encode(encoding, "replace").decode(encoding)
    except LookupError:
        pass
    click.echo(text, nl=False, color=colour)
