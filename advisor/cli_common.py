"""What every `creator-advisor` command module shares: the report formats, the date option type, and the wrapper
that turns the library's errors for bad input into `Error: <message>` and exit code 1 (never a traceback)."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from typing import Any, Callable

import click

FORMATS = ("md", "html", "json")


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
