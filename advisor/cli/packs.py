"""`creator-advisor rules`: check and inspect rule packs (`validate`, `list`, `lint`, `docs`); the expert's loop
(`test`, `path`, `new-overlay`, `thresholds`) is added from advisor/cli/rules.py."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from advisor.cli.common import DateType as _Date
from advisor.cli.common import (
    PathType,
    echo,
    engine_option,
    folders_argument,
    overlay_option,
    pack_folders,
    rules_option,
)
from advisor.cli.common import fail_cleanly as _fail_cleanly
from advisor.cli.rules import register_rules_commands


@click.group()
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


register_rules_commands(rules)
