"""The `rules` commands an expert's loop needs beyond checking a pack: `test` (with overlays, filters, coverage
and CI formats), `path`, `new-overlay`, and `thresholds export/import` (the pack's numbers as a spreadsheet).

Registered on the `rules` group by `register_rules_commands` (end of advisor/cli/main.py). Each command parses its
options and calls the library: advisor.authoring.rule_tests, advisor.authoring.overlay_scaffold, advisor.authoring.threshold_table.
"""

from __future__ import annotations

import sys

import click

from advisor.cli.common import (
    PathType,
    echo,
    engine_option,
    fail_cleanly,
    folders_argument,
    overlay_option,
    pack_folders,
    rules_option,
)


@click.command("test")
@folders_argument
@rules_option
@overlay_option
@click.option("--tests", "tests", multiple=True, type=PathType(file_okay=False, exists=True),
              help="A further folder of rule-test files (besides each pack folder's tests/).")
@click.option("--only", "only", type=PathType(file_okay=False, exists=True), default=None, metavar="DIR",
              help="Run only the tests of this pack folder (one of those loaded, usually your overlay), still "
                   "against the combined pack; coverage is then this folder's.")
@click.option("-k", "pattern", default=None, metavar="PATTERN",
              help="Run only the tests whose name contains PATTERN (case-insensitive).")
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "json", "junit")), default="text",
              show_default=True, help="text for people; json or junit (JUnit XML) for CI.")
@click.option("--output", "-o", type=PathType(dir_okay=False), default=None,
              help="Write the report to this file (whole or not at all) instead of standard output.")
@click.option("--min-coverage", "min_coverage", type=click.FloatRange(0, 100), default=None, metavar="N",
              help="Fail unless at least N% of each tested pack's rules are exercised by its tests.")
@engine_option
@fail_cleanly
def rules_test(folders: tuple[str, ...], rules: tuple[str, ...], overlays: tuple[str, ...], tests: tuple[str, ...],
               only: str | None, pattern: str | None, fmt: str, output: str | None,
               min_coverage: float | None, engine: str | None) -> None:
    """Run the rule tests of the pack FOLDERS (default: the shipped pack) and each --overlay, every test against
    the combined pack. A default test that an overlay's change overrules is reported as superseded, not failed.
    Exit 1 if any test fails or a pack is under --min-coverage."""
    from advisor.authoring.rule_test_report import render_report
    from advisor.authoring.rule_tests import run_rule_tests

    report = run_rule_tests(pack_folders((*folders, *rules), overlays), test_folders=list(tests) or None,
                            only=only, pattern=pattern, min_coverage=min_coverage, engine=engine)
    text = render_report(report, fmt)
    if output:
        from advisor.output import write_whole

        write_whole(output, text)
        echo(f"Wrote {output}: {report.passed} passed, {report.failed} failed, {report.superseded} "
                   "superseded", err=True)
    else:
        echo(text, nl=False)
    if not report.ok:
        sys.exit(1)


@click.command("path")
@fail_cleanly
def rules_path() -> None:
    """Print the folder of the shipped (default) rule pack: read its files there, never edit them."""
    from advisor.api import default_rules_dir

    echo(str(default_rules_dir()))


@click.command("new-overlay")
@click.argument("folder", type=PathType(file_okay=False))
@fail_cleanly
def rules_new_overlay(folder: str) -> None:
    """Write a working overlay into FOLDER (new or empty): pack.yaml, an example threshold change with its source,
    and tests/ with one passing test. Use it with --overlay FOLDER."""
    from advisor.authoring.overlay_scaffold import new_overlay

    for path in new_overlay(folder):
        echo(f"Wrote {path}")
    echo(f"Try: creator-advisor rules test --overlay {folder}")


@click.group("thresholds")
def thresholds() -> None:
    """The pack's thresholds as a CSV decision table, and back."""


@thresholds.command("export")
@click.argument("file", type=PathType(dir_okay=False))
@rules_option
@overlay_option
@fail_cleanly
def thresholds_export(file: str, rules: tuple[str, ...], overlays: tuple[str, ...]) -> None:
    """Write every threshold of the pack (with each --overlay) to FILE (CSV): name, country, earlier, value, unit,
    description, source, url, as_of, valid_from, valid_until, note; one row per value."""
    from advisor.api import load_rules
    from advisor.authoring.threshold_table import export_thresholds

    pack = load_rules(pack_folders(rules, overlays))
    export_thresholds(pack, file)
    lists = sum(1 for threshold in pack.thresholds.values() if threshold.members)
    echo(f"Wrote {file}: {len(pack.thresholds) - lists} thresholds"
         + (f" ({lists} member lists left out: edit them in YAML)" if lists else ""), err=True)


@thresholds.command("import")
@click.argument("file", type=PathType(dir_okay=False, exists=True))
@click.option("--into", "into", required=True, type=PathType(file_okay=False), metavar="DIR",
              help="The overlay folder to write (created if missing); the table goes to DIR/imported-thresholds.yaml.")
@rules_option
@overlay_option
@fail_cleanly
def thresholds_import(file: str, into: str, rules: tuple[str, ...], overlays: tuple[str, ...]) -> None:
    """Write the thresholds of FILE (CSV, as `export` writes it) that differ from the pack into the overlay DIR.
    A bad cell is reported by row and column, and nothing is written."""
    from advisor.authoring.threshold_import import IMPORT_FILE, import_thresholds

    names = import_thresholds(file, into, pack_folders(rules, overlays))
    if not names:
        echo("No threshold in the table differs from the pack: nothing written.", err=True)
        return
    echo(f"Wrote {into}/{IMPORT_FILE}: {len(names)} threshold{'s' if len(names) != 1 else ''} "
               f"({', '.join(names)})", err=True)


def register_rules_commands(group: click.Group) -> None:
    """Add `test`, `path`, `new-overlay` and `thresholds` to the `rules` group."""
    for command in (rules_test, rules_path, rules_new_overlay, thresholds):
        group.add_command(command)
