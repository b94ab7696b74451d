"""What every `creator-advisor` command module shares: the report formats, the date option type, and the wrapper
that turns the library's errors for bad input into `Error: <message>` and exit code 1 (never a traceback)."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from typing import Any, Callable

import click

FORMATS = ("md", "html", "json")
# engine.ENGINES, written here so `--help` does not import the engine (tests/test_engines.py holds them equal).
ENGINE_NAMES = ("durable", "python")

engine_option = click.option(
    "--engine", "engine", type=click.Choice(ENGINE_NAMES), default=None,
    help="The rule engine: durable (durable-rules, the default on Python 3.12 and earlier) or python (pure "
         "Python, the default on 3.13 and later). Both give the same plans. Default: $CREATOR_ADVISOR_ENGINE, "
         "else as said.")


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
