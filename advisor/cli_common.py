"""What every `creator-advisor` command module shares: the report formats, the date option type, and the wrapper
that turns the library's errors for bad input into `Error: <message>` and exit code 1 (never a traceback), and
the `echo` and `PathType` that keep untrusted text from driving the terminal."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from typing import Any, Callable

import click

FORMATS = ("md", "html", "json")


def fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine import EngineError

        from .errors import AdvisorError

        try:
            return command(*args, **kwargs)
        except (AdvisorError, EngineError) as error:
            echo(f"Error: {error}", err=True)
            sys.exit(1)
    return wrapper


def echo(message: Any = "", **kwargs: Any) -> None:
    """click.echo of text that may hold someone else's words (a file name, a key, a rule's text, an API's
    message): escape sequences and bidi controls are shown as escapes, never obeyed (advisor/terminal.py)."""
    from .terminal import safe_text

    click.echo(safe_text(message), **kwargs)


class PathType(click.Path):
    """click.Path whose errors show the path with its control characters escaped (a file name can hold an escape
    sequence that would retitle or clear the terminal)."""

    def fail(self, message: str, param: Any = None, ctx: Any = None) -> Any:
        from .terminal import safe_text

        return super().fail(safe_text(message), param, ctx)


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
