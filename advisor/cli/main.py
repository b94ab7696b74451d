"""The `creator-advisor` command: a thin click layer over `advisor.api`.

Each command parses its options, calls the library, and prints. Every error the library raises for bad input
becomes `Error: <message>` on standard error with exit code 1, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from advisor import __version__
from advisor.cli.common import (
    FORMATS,
    PathType,
    echo,
    engine_option,
    folders_argument,
    overlay_option,
    pack_folders,
    rules_option,
)
from advisor.cli.common import DateType as _Date
from advisor.cli.common import fail_cleanly as _fail_cleanly


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="creator-advisor")
def main() -> None:
    """Where a short-video creator stands and what to do next to earn from their content."""


@main.command()
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
            summary.print_summary(result.to_dict(), profile=profile, rules=rules, overlays=overlays, as_of=as_of)
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


@main.group()
def rules() -> None:
    """Check and inspect rule packs."""


def _folders(positional: tuple[str, ...], options: tuple[str, ...], overlays: tuple[str, ...] = ()) -> list[Path]:
    """Pack folders given as arguments and/or --rules, in that order (the shipped pack when none), then the
    --overlay folders."""
    return pack_folders((*positional, *options), overlays)


@rules.command("validate")
@folders_argument
@rules_option
@overlay_option
@engine_option
@_fail_cleanly
def rules_validate(folders: tuple[str, ...], rules: tuple[str, ...], overlays: tuple[str, ...],
                   engine: str | None) -> None:
    """Check rule pack FOLDERS (default: the shipped pack; later folders are overlays) with each --overlay on top.
    With the durable engine, also that durable-rules can hold the pack."""
    from advisor.api import load_rules

    paths = _folders(folders, rules, overlays)
    pack = load_rules(paths, engine=engine)
    names = ", ".join(str(folder) for folder in paths)
    echo(f"OK: {len(pack.rules)} rules, {len(pack.thresholds)} thresholds, "
               f"{len(pack.gate_rules())} programmes ({names})")
    for kind, name, folder in pack.replaced:
        echo(f"  {folder} replaces {kind} {name}")


@rules.command("list")
@rules_option
@overlay_option
@_fail_cleanly
def rules_list(rules: tuple[str, ...], overlays: tuple[str, ...]) -> None:
    """List the rules of the pack in firing order: layer, priority, id, category, gate."""
    from advisor.api import load_rules

    pack = load_rules(_folders((), rules, overlays))
    replaced = {name: folder for kind, name, folder in pack.replaced if kind == "rule"}
    ordered = pack.firing_order
    width = max(len(rule.id) for rule in ordered) if ordered else 10
    echo(f"{'layer':>5}  {'pri':>4}  {'rule':<{width}}  {'category':<12}  gate")
    for rule in ordered:
        note = f"  (from {replaced[rule.id]})" if rule.id in replaced else ""
        echo(f"{pack.layers[rule.id]:>5}  {rule.priority:>4}  {rule.id:<{width}}  {rule.category:<12}  "
                   f"{rule.gate or '-'}{note}")


@rules.command("lint")
@folders_argument
@rules_option
@overlay_option
@click.option("--strict", is_flag=True, help="Treat every warning as an error (exit 1).")
@click.option("--max-age", "max_age", type=click.IntRange(min=0), default=730, show_default=True,
              help="Warn about threshold sources dated more than this many days before --today.")
@click.option("--today", type=_Date(), default=None, help="The day sources are aged against (default: today).")
@click.option("--only", "only", type=PathType(file_okay=False, exists=True), default=None, metavar="DIR",
              help="Report only what is found in the files of this pack folder (usually your overlay).")
@_fail_cleanly
def rules_lint(folders: tuple[str, ...], rules: tuple[str, ...], overlays: tuple[str, ...], strict: bool,
               max_age: int, today: dt.date | None, only: str | None) -> None:
    """Warn about what in a rule pack is probably a mistake: stale sources, unused thresholds and facts, rules
    that can never fire, closed programmes, overlay thresholds that drop the country values or dates of the one
    they replace. Warnings exit 0 unless --strict; a source dated in the future is an error (exit 1)."""
    from advisor.api import load_rules
    from engine import in_folder, lint_pack

    pack = load_rules(_folders(folders, rules, overlays))
    problems = lint_pack(pack, today=today or dt.date.today(), max_source_age_days=max_age)
    if only is not None:
        problems = in_folder(problems, only)
    for problem in problems:
        echo(str(problem))
    errors = sum(1 for problem in problems if problem.severity == "error")
    count = len(problems) - errors
    line = f"{count} warning{'s' if count != 1 else ''}"
    if errors:
        line = f"{errors} error{'s' if errors != 1 else ''}, " + line
    echo(line + (" (errors under --strict)" if strict and count else ""))
    if errors or (strict and problems):
        sys.exit(1)


@rules.command("docs")
@folders_argument
@rules_option
@overlay_option
@click.option("--output", "-o", type=PathType(dir_okay=False), default=None,
              help="Write the catalogue to this file instead of standard output.")
@click.option("--json", "as_json", is_flag=True,
              help="The catalogue as JSON: every gate, rule and threshold by id (what --compact plans refer to).")
@_fail_cleanly
def rules_docs(folders: tuple[str, ...], rules: tuple[str, ...], overlays: tuple[str, ...],
               output: str | None, as_json: bool) -> None:
    """Write the Markdown catalogue of a rule pack: programmes, thresholds with sources, rules in plain words."""
    from advisor.api import load_rules
    from advisor.output import write_whole

    pack = load_rules(_folders(folders, rules, overlays))
    if as_json:
        import json

        from engine import pack_data

        text = json.dumps(pack_data(pack), ensure_ascii=False, indent=1) + "\n"
    else:
        from engine import catalogue_markdown

        text = catalogue_markdown(pack)
    if output:
        write_whole(output, text)
        echo(f"Wrote {output}", err=True)
    else:
        echo(text, nl=False)


from advisor.cli.batch import register_commands  # noqa: E402  (`import` and `batch`, in their own module)
from advisor.cli.diff import diff_command  # noqa: E402  (`diff`)
from advisor.cli.rules import register_rules_commands  # noqa: E402  (`rules test/path/new-overlay/thresholds`)
from advisor.cli.start import register_commands as register_start_commands  # noqa: E402  (`init`, `example`)

register_commands(main)
register_rules_commands(rules)
register_start_commands(main)
main.add_command(diff_command)
from advisor.cli.serve import register_commands as register_serve  # noqa: E402  (`serve`, in its own module)

register_serve(main)
