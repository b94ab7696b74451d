"""What every `creator-advisor` command module shares: the report formats, the date option type, and the wrapper
that turns the library's errors for bad input into `Error: <message>` and exit code 1 (never a traceback)."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

FORMATS = ("md", "html", "json")

RULES_HELP = ("Use this rule pack folder INSTEAD of the shipped pack (it replaces it; repeat to layer folders). To "
              "add your own rules to the shipped pack, use --overlay.")
OVERLAY_HELP = ("Add this overlay folder on top of the shipped pack (or of --rules): its rules and thresholds add to "
                "the pack and replace those with the same id or name. Repeat for several, applied in order.")

rules_option = click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, dir_okay=True),
                            metavar="DIR", help=RULES_HELP)
folders_argument = click.argument("folders", nargs=-1, type=click.Path(file_okay=False))
overlay_option = click.option("--overlay", "overlays", multiple=True,
                              type=click.Path(file_okay=False, dir_okay=True), metavar="DIR", help=OVERLAY_HELP)


def pack_folders(rules: tuple[str, ...] = (), overlays: tuple[str, ...] = ()) -> list[Path]:
    """The folders a command loads: `rules` (or the shipped pack), then the overlays (advisor.api.rule_folders)."""
    from .api import rule_folders

    return rule_folders(list(rules) or None, list(overlays) or None)


def fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """A click command that turns the library's errors into one `Error: ...` line and exit code 1, never a
    traceback."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine import EngineError

        from .errors import AdvisorError

        try:
            return command(*args, **kwargs)
        except (AdvisorError, EngineError) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
    return wrapper


class DateType(click.ParamType):
    """A click parameter written YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)
