"""What every `creator-advisor` command module shares: the report formats, the date option type, and the wrapper
that turns the library's errors for bad input into `Error: <message>` and exit code 1 (never a traceback), and
the `echo` and `PathType` that keep untrusted text from driving the terminal."""

from __future__ import annotations

import datetime as dt
import errno
import functools
import os
import sys
from pathlib import Path
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
        from advisor.errors import AdvisorError
        from engine import EngineError

        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # a full disk or a closed pipe is found here, not at exit with a traceback
            return result
        except (AdvisorError, EngineError) as error:
            echo(f"Error: {error}", err=True)
            sys.exit(1)
        except OSError as error:
            if error.errno not in _OUTPUT_ERRORS:
                raise
            _silence_stdout()
            if error.errno != errno.EPIPE:  # `| head` closing the pipe is no error worth a word
                echo(f"Error: cannot write the output: {error.strerror or error}", err=True)
            sys.exit(1)
    return wrapper


# What writing to standard output (or a file) can meet that is the disk's or the reader's doing, not a bug.
_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)})


def _silence_stdout() -> None:
    """Point standard output at the null device, so Python's flush at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def echo(message: Any = "", **kwargs: Any) -> None:
    """click.echo of text that may hold someone else's words (a file name, a key, a rule's text, an API's
    message): escape sequences and bidi controls are shown as escapes, never obeyed (advisor/terminal.py)."""
    from advisor.terminal import safe_text

    click.echo(safe_text(message), **kwargs)


class PathType(click.Path):
    """click.Path whose errors show the path with its control characters escaped (a file name can hold an escape
    sequence that would retitle or clear the terminal)."""

    def fail(self, message: str, param: Any = None, ctx: Any = None) -> Any:
        from advisor.terminal import safe_text

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


RULES_HELP = ("Use this rule pack folder INSTEAD of the shipped pack (it replaces it; repeat to layer folders). To "
              "add your own rules to the shipped pack, use --overlay.")
OVERLAY_HELP = ("Add this overlay folder on top of the shipped pack (or of --rules): its rules and thresholds add to "
                "the pack and replace those with the same id or name. Repeat for several, applied in order.")

rules_option = click.option("--rules", "rules", multiple=True, type=PathType(file_okay=False, dir_okay=True),
                            metavar="DIR", help=RULES_HELP)
folders_argument = click.argument("folders", nargs=-1, type=PathType(file_okay=False))
overlay_option = click.option("--overlay", "overlays", multiple=True,
                              type=PathType(file_okay=False, dir_okay=True), metavar="DIR", help=OVERLAY_HELP)


def pack_folders(rules: tuple[str, ...] = (), overlays: tuple[str, ...] = ()) -> list[Path]:
    """The folders a command loads: `rules` (or the shipped pack), then the overlays (advisor.api.rule_folders)."""
    from advisor.api import rule_folders

    return rule_folders(list(rules) or None, list(overlays) or None)
